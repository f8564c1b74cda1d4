//! Building the book: HTML for the reader and expanded Markdown for the
//! doctests, with no warnings allowed.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::{Fail, cmd, markdown, quiz};

const LIMIT: Duration = Duration::from_secs(300);

/// Builds `OUT/html` and `OUT/markdown` from scratch; any warning or error
/// mdBook or a preprocessor prints (a missing include, a bad anchor, a quiz
/// that does not parse) fails the build.
pub fn build(root: &Path, out: &Path) -> Result<usize, Fail> {
    quiz_ids(root)?;
    if out.exists() {
        std::fs::remove_dir_all(out)
            .map_err(|error| Fail::new(format!("cannot clear {}: {error}", out.display())))?;
    }
    let mut build = Command::new("mdbook");
    build
        .current_dir(root)
        .args(["build", "--dest-dir"])
        .arg(out)
        .env("RUST_LOG", "warn")
        // mdbook-quiz builds and runs each Tracing question's program.
        .env("PATH", quiz::path_for_mdbook(root)?);
    let finished = cmd::capture(&mut build, LIMIT)?;
    let complaints: Vec<String> = finished
        .stderr
        .lines()
        .chain(finished.stdout.lines())
        .filter(|line| is_complaint(line))
        .map(str::to_string)
        .collect();
    if !finished.success() || !complaints.is_empty() {
        let mut problems = complaints;
        if !finished.success() {
            problems.push(format!(
                "mdbook build: {}\n{}",
                finished.describe(),
                finished.stderr
            ));
        }
        return Err(Fail::list("mdbook build is not clean", problems));
    }
    missing_anchors(root)?;
    empty_blocks(&out.join("markdown"))?;
    unexpanded_directives(&out.join("html"))
}

/// mdbook-quiz gives a question without an `id` one, by rewriting the quiz
/// file during the build. The ids key the answers a reader's browser keeps,
/// so they are assigned once and committed; a build must not change tracked
/// files.
fn quiz_ids(root: &Path) -> Result<(), Fail> {
    let mut problems = Vec::new();
    for quiz in crate::files_with_extension(&root.join("chapters/quizzes"), "toml")? {
        let text = std::fs::read_to_string(&quiz).unwrap_or_default();
        let questions = text
            .lines()
            .filter(|line| line.trim() == "[[questions]]")
            .count();
        let ids = text
            .lines()
            .filter(|line| line.trim_start().starts_with("id = "))
            .count();
        if ids < questions {
            problems.push(format!(
                "{}: {} of {questions} questions have no id; `mdbook build` adds them: commit the file after it",
                quiz.strip_prefix(root).unwrap_or(&quiz).display(),
                questions - ids
            ));
        }
    }
    Fail::unless_empty("quiz questions without ids", problems)
}

/// Every anchor an include names must be marked in its file: mdBook 0.5
/// silently shows an empty block (or, with `rustdoc_include`, a block of only
/// hidden lines) when it is not.
fn missing_anchors(root: &Path) -> Result<(), Fail> {
    let mut problems = Vec::new();
    for chapter in crate::files_with_extension(&root.join("chapters"), "md")? {
        let source = std::fs::read_to_string(&chapter).unwrap_or_default();
        for include in markdown::anchored_includes(&source) {
            if !markdown::has_anchor(&chapter, &include) {
                problems.push(format!(
                    "{}:{}: {} has no `ANCHOR: {}`",
                    chapter.strip_prefix(root).unwrap_or(&chapter).display(),
                    include.line,
                    include.file,
                    include.anchor
                ));
            }
        }
    }
    Fail::unless_empty("includes of missing anchors", problems)
}

/// A code block that shows the reader nothing is an include gone wrong.
fn empty_blocks(markdown_dir: &Path) -> Result<(), Fail> {
    let mut problems = Vec::new();
    for page in crate::files_with_extension(markdown_dir, "md")? {
        let text = std::fs::read_to_string(&page).unwrap_or_default();
        for fence in markdown::fences(&text) {
            let rust = markdown::info_words(&fence.info).contains(&"rust");
            if fence.shows_nothing(rust) {
                problems.push(format!(
                    "{}:{}: this block shows the reader nothing",
                    page.display(),
                    fence.line
                ));
            }
        }
    }
    Fail::unless_empty("empty code blocks on the pages", problems)
}

/// A line of mdBook's log that is a warning or an error. Two notices are let
/// through: a preprocessor built against another 0.5 patch release of mdBook
/// says so on every build (it compares versions as strings; the pinned
/// mdbook-mermaid 0.17.1 is built, `--locked`, against 0.5.0), and mdBook
/// calls a search index over 10 MB "very large" — ours is let through up to
/// [`SEARCH_INDEX_BUDGET`].
fn is_complaint(line: &str) -> bool {
    let lower = line.to_lowercase();
    let complains = lower.contains("warn") || lower.contains("error");
    let version_notice = line.contains("was built against version 0.5.")
        && line.contains("but we're being called from version 0.5.");
    let index_within_budget =
        search_index_size(line).is_some_and(|bytes| bytes <= SEARCH_INDEX_BUDGET);
    complains && !version_notice && !index_within_budget
}

/// The largest search index the book may ship, in bytes. The reader's
/// browser fetches it once, on the first search, and compressed: a 9.8 MB
/// index travels as 1.1 MB of gzip. Most of it is the listings' code, which
/// the index stores as text; a book that outgrows this budget should make
/// its pages include less code, not raise the number.
const SEARCH_INDEX_BUDGET: usize = 16_000_000;

/// The size in mdBook's "search index is very large (N bytes)" warning.
fn search_index_size(line: &str) -> Option<usize> {
    let rest = &line[line.find("search index is very large (")? + 28..];
    rest[..rest.find(" bytes)")?].parse().ok()
}

/// A `{{#…}}` left in a built page is a directive mdBook did not expand.
/// Returns how many pages were built.
fn unexpanded_directives(html_dir: &Path) -> Result<usize, Fail> {
    let mut problems = Vec::new();
    let pages = crate::files_with_extension(html_dir, "html")?;
    for path in &pages {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for (number, line) in text.lines().enumerate() {
            if line.contains("{{#") {
                problems.push(format!(
                    "{}:{}: {}",
                    path.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    Fail::unless_empty("directives mdBook left unexpanded", problems)?;
    Ok(pages.len())
}

/// `theme/mermaid.min.js` must be the mermaid that the pinned mdbook-mermaid
/// installs, so that what the tool checks at build time and what the browser
/// draws are the same version.
pub fn check_mermaid_assets(root: &Path) -> Result<(), Fail> {
    let scratch = std::env::temp_dir().join(format!("xtask-mermaid-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|error| Fail::new(format!("cannot create {}: {error}", scratch.display())))?;
    std::fs::write(scratch.join("book.toml"), "[book]\ntitle = \"scratch\"\n")
        .map_err(|error| Fail::new(format!("cannot write in {}: {error}", scratch.display())))?;
    let mut install = Command::new("mdbook-mermaid");
    install.arg("install").arg(&scratch);
    let finished = cmd::capture(&mut install, Duration::from_secs(60))?;
    let fresh = std::fs::read(scratch.join("mermaid.min.js"));
    let _ = std::fs::remove_dir_all(&scratch);
    let ours = std::fs::read(root.join("theme/mermaid.min.js"));
    match (finished.success(), fresh, ours) {
        (true, Ok(fresh), Ok(ours)) if fresh == ours => Ok(()),
        (true, Ok(_), Ok(_)) => Err(Fail::new(
            "theme/mermaid.min.js is not the one the pinned mdbook-mermaid installs; \
             refresh it with `mdbook-mermaid install` in a scratch folder and copy it over",
        )),
        _ => Err(Fail::new(format!(
            "`mdbook-mermaid install` failed: {}",
            finished.stderr
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::{SEARCH_INDEX_BUDGET, is_complaint};

    #[test]
    fn lets_only_the_version_notice_through() {
        assert!(!is_complaint(" INFO Book building has started"));
        assert!(is_complaint(
            " WARN Failed to find anchor `main` in ch01.rs"
        ));
        assert!(is_complaint("ERROR Error updating \"{{#include x}}\""));
        assert!(!is_complaint(
            "Warning: The mdbook-mermaid preprocessor was built against version 0.5.0 of mdbook, \
             but we're being called from version 0.5.4"
        ));
        assert!(is_complaint(
            "Warning: The x preprocessor was built against version 0.4.0 of mdbook, \
             but we're being called from version 0.5.4"
        ));
    }

    #[test]
    fn lets_a_search_index_through_only_within_the_budget() {
        let warning =
            |bytes: usize| format!(" WARN mdbook_html: search index is very large ({bytes} bytes)");
        assert!(!is_complaint(&warning(10_779_633)));
        assert!(!is_complaint(&warning(SEARCH_INDEX_BUDGET)));
        assert!(is_complaint(&warning(SEARCH_INDEX_BUDGET + 1)));
        assert!(is_complaint(
            " WARN search index is very large (many bytes)"
        ));
    }
}
