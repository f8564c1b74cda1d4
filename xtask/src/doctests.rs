//! The prose's Rust blocks, as the reader sees them (mdBook has expanded the
//! includes into `book/markdown/`), compiled and run as doctests of the
//! `book-doctests` crate. Counting the blocks ourselves and comparing with
//! what rustdoc ran makes sure no block is silently left out.

use std::path::Path;
use std::time::Duration;

use crate::markdown::{self, info_words};
use crate::{Fail, cmd};

const LIMIT: Duration = Duration::from_secs(20 * 60);

/// How rustdoc treats a block, from its info string.
#[derive(Debug, PartialEq)]
enum Kind {
    /// Compiled and run.
    Run,
    /// `no_run`: compiled only.
    Compile,
    /// `compile_fail`: must not compile.
    CompileFail,
    /// Not Rust (`console`, `text`, `mermaid`, …).
    Other,
}

#[derive(Default)]
pub struct Report {
    pub run: usize,
    pub compiled_only: usize,
    pub compile_fail: usize,
}

impl Report {
    pub fn blocks(&self) -> usize {
        self.run + self.compiled_only + self.compile_fail
    }
}

pub fn check(root: &Path, markdown_dir: &Path) -> Result<Report, Fail> {
    let (report, problems) = count_blocks(markdown_dir)?;
    Fail::unless_empty("code blocks rustdoc would skip or misread", problems)?;
    let mut test = cmd::cargo(root, &["test", "--package", "book-doctests", "--doc"]);
    test.env("BOOK_MARKDOWN_DIR", markdown_dir);
    let finished = cmd::capture(&mut test, LIMIT)?;
    let results = TestResults::parse(&finished.stdout);
    if !finished.success() || !results.failed.is_empty() {
        let mut problems: Vec<String> = results.failed.iter().map(|name| locate(name)).collect();
        problems.push(format!(
            "rustdoc said:\n{}\n{}",
            finished.stdout.trim_end(),
            finished
                .stderr
                .lines()
                .rev()
                .take(30)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        ));
        return Err(Fail::list("prose doctests failed", problems));
    }
    if results.passed != report.blocks() {
        return Err(Fail::new(format!(
            "the pages have {} Rust blocks but rustdoc tested {}: a block is written in a way \
             rustdoc and mdBook read differently (an indented code block, a fence inside HTML?)",
            report.blocks(),
            results.passed
        )));
    }
    Ok(report)
}

/// Counts the blocks of every page and lists those that break the rules.
fn count_blocks(markdown_dir: &Path) -> Result<(Report, Vec<String>), Fail> {
    let pages = crate::files_with_extension(markdown_dir, "md")?;
    if pages.is_empty() {
        return Err(Fail::new(format!(
            "no expanded pages in {}",
            markdown_dir.display()
        )));
    }
    let mut report = Report::default();
    let mut problems = Vec::new();
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap_or_default();
        for fence in markdown::fences(&text) {
            let (line, info) = (fence.line, fence.info);
            let place = format!("{}:{line} (expanded from chapters/)", page.display());
            if info.is_empty() {
                problems.push(format!(
                    "{place}: a fence without a language is compiled as Rust; name it (text, console, …)"
                ));
                continue;
            }
            let words = info_words(&info);
            if words.contains(&"ignore") {
                problems.push(format!(
                    "{place}: `{info}` — no block may be ignored; use no_run or compile_fail"
                ));
                continue;
            }
            match kind(&words) {
                Kind::Run => report.run += 1,
                Kind::Compile => report.compiled_only += 1,
                Kind::CompileFail => report.compile_fail += 1,
                Kind::Other => {}
            }
        }
    }
    Ok((report, problems))
}

/// rustdoc's reading of an info string: a block is Rust if it says `rust`, or
/// says nothing but rustdoc's own attributes.
fn kind(words: &[&str]) -> Kind {
    const RUSTDOC_WORDS: [&str; 8] = [
        "rust",
        "no_run",
        "compile_fail",
        "should_panic",
        "ignore",
        "test_harness",
        "edition2021",
        "edition2024",
    ];
    let says_rust = words.contains(&"rust");
    let only_rustdoc_words = words.iter().all(|word| RUSTDOC_WORDS.contains(word));
    if !says_rust && !only_rustdoc_words {
        Kind::Other
    } else if words.contains(&"compile_fail") {
        Kind::CompileFail
    } else if words.contains(&"no_run") {
        Kind::Compile
    } else {
        Kind::Run
    }
}

#[derive(Debug, Default)]
struct TestResults {
    passed: usize,
    failed: Vec<String>,
}

impl TestResults {
    /// Reads rustdoc's `test src/lib.rs - ch01 (line 12) ... ok` lines.
    fn parse(stdout: &str) -> TestResults {
        let mut results = TestResults::default();
        for line in stdout.lines() {
            let Some(test) = line.strip_prefix("test ") else {
                continue;
            };
            let Some((name, outcome)) = test.rsplit_once(" ... ") else {
                continue;
            };
            match outcome.trim() {
                "ok" => results.passed += 1,
                "FAILED" => results.failed.push(name.to_string()),
                _ => {}
            }
        }
        results
    }
}

/// `…/book/markdown/ch01-blocking-read.md - ch01_blocking_read (line 40)`
/// → `…/book/markdown/ch01-blocking-read.md:40 (chapters/ch01-blocking-read.md expanded)`.
fn locate(test_name: &str) -> String {
    let (file, rest) = test_name.split_once(" - ").unwrap_or((test_name, ""));
    let line = rest
        .split("(line ")
        .nth(1)
        .and_then(|tail| tail.split(')').next())
        .unwrap_or("?");
    let page = Path::new(file)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy();
    format!("{file}:{line} (chapters/{page} expanded) failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_info_strings_as_rustdoc_does() {
        assert_eq!(kind(&info_words("rust")), Kind::Run);
        assert_eq!(kind(&info_words("")), Kind::Run);
        assert_eq!(kind(&info_words("rust,no_run")), Kind::Compile);
        assert_eq!(kind(&info_words("compile_fail")), Kind::CompileFail);
        assert_eq!(kind(&info_words("rust,noplayground")), Kind::Run);
        assert_eq!(kind(&info_words("console")), Kind::Other);
        assert_eq!(kind(&info_words("mermaid")), Kind::Other);
    }

    #[test]
    fn points_at_the_failing_block() {
        assert_eq!(
            locate("/r/book/markdown/ch05-green-io.md - ch05_green_io (line 14)"),
            "/r/book/markdown/ch05-green-io.md:14 (chapters/ch05-green-io.md expanded) failed"
        );
    }

    #[test]
    fn reads_rustdoc_results() {
        let out = "test src/lib.rs - ch01 (line 3) ... ok\n\
                   test src/lib.rs - ch01 (line 9) - compile ... ok\n\
                   test src/lib.rs - ch02 (line 5) - compile fail ... FAILED\n";
        let results = TestResults::parse(out);
        assert_eq!(results.passed, 2);
        assert_eq!(
            results.failed,
            ["src/lib.rs - ch02 (line 5) - compile fail"]
        );
    }
}
