//! `cargo xtask test`: every check, in order, each failure loud, and a
//! one-screen summary at the end. A failing step does not stop the run, so one
//! run shows everything that is wrong; steps that need the built book are
//! not run when the book did not build.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{
    Fail, book, browser, cmd, cross, doctests, lineage, links, outputs, pages, quiz, tools,
};

const STEPS: [&str; 19] = [
    "tools", "fmt", "clippy", "docs", "lineage", "pages", "tests", "book", "doctests", "mermaid",
    "links", "quizzes", "outputs", "aarch64", "valgrind", "miri", "loom", "macos", "browser",
];
const SLOW_STEPS: [&str; 7] = [
    "outputs", "aarch64", "valgrind", "miri", "loom", "macos", "browser",
];
const BUILD_LIMIT: Duration = Duration::from_secs(25 * 60);

pub struct Options {
    quick: bool,
    only: Vec<String>,
    /// In CI a check that cannot run (a missing tool) fails instead of being skipped.
    ci: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, Fail> {
        let ci = std::env::var("CI").is_ok_and(|value| value == "true" || value == "1");
        let mut options = Options {
            quick: false,
            only: Vec::new(),
            ci,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--only" => {
                    let steps = args
                        .next()
                        .ok_or_else(|| Fail::new("--only needs a list of steps"))?;
                    options.only.extend(steps.split(',').map(str::to_string));
                }
                other => return Err(Fail::new(format!("unknown option {other}"))),
            }
        }
        if let Some(unknown) = options
            .only
            .iter()
            .find(|step| !STEPS.contains(&step.as_str()))
        {
            return Err(Fail::new(format!(
                "no step called {unknown}; the steps are {}",
                STEPS.join(", ")
            )));
        }
        Ok(options)
    }

    fn wants(&self, step: &str) -> bool {
        let chosen = self.only.is_empty() || self.only.iter().any(|only| only == step);
        chosen && !(self.quick && SLOW_STEPS.contains(&step))
    }

    /// A step the chosen ones depend on runs even when not named.
    fn needs_book(&self) -> bool {
        ["book", "doctests", "links", "browser"]
            .iter()
            .any(|step| self.wants(step))
    }
}

enum Outcome {
    Passed(String),
    Skipped(String),
    Failed(Fail),
}

struct Step {
    name: &'static str,
    outcome: Outcome,
    took: Duration,
}

#[derive(Default)]
struct Run {
    steps: Vec<Step>,
}

impl Run {
    /// Runs one check, saying what it does first and how it went after.
    fn step(&mut self, name: &'static str, check: impl FnOnce() -> Result<String, Fail>) -> bool {
        println!("\n==> {name}");
        let started = Instant::now();
        let outcome = match check() {
            Ok(detail) => Outcome::Passed(detail),
            Err(fail) => {
                eprintln!("FAILED {name}: {fail}");
                Outcome::Failed(fail)
            }
        };
        let passed = matches!(outcome, Outcome::Passed(_));
        self.steps.push(Step {
            name,
            outcome,
            took: started.elapsed(),
        });
        passed
    }

    fn skip(&mut self, name: &'static str, why: impl Into<String>) {
        let why = why.into();
        println!("\n==> {name}: skipped — {why}");
        self.steps.push(Step {
            name,
            outcome: Outcome::Skipped(why),
            took: Duration::ZERO,
        });
    }

    /// A slow step, left out by `--quick`, that may need what this machine
    /// lacks (`missing` says what): skipped without it, except in CI.
    fn slow_step(
        &mut self,
        options: &Options,
        name: &'static str,
        missing: Option<String>,
        check: impl FnOnce() -> Result<String, Fail>,
    ) {
        if !options.wants(name) {
            if options.quick {
                self.skip(name, "--quick");
            }
            return;
        }
        match missing {
            None => {
                self.step(name, check);
            }
            Some(why) if options.ci => {
                self.step(name, || {
                    Err(Fail::new(format!("required in CI, but {why}")))
                });
            }
            Some(why) => self.skip(name, format!("{why}; CI runs it")),
        }
    }

    fn summary(&self, total: Duration) -> Result<(), Fail> {
        println!("\n{}", "-".repeat(78));
        println!("Summary of cargo xtask test");
        let (mut passed, mut failed, mut skipped) = (0, 0, 0);
        for step in &self.steps {
            let (mark, detail) = match &step.outcome {
                Outcome::Passed(detail) => {
                    passed += 1;
                    ("ok  ", detail.clone())
                }
                Outcome::Skipped(why) => {
                    skipped += 1;
                    ("skip", format!("skipped: {why}"))
                }
                Outcome::Failed(fail) => {
                    failed += 1;
                    (
                        "FAIL",
                        fail.message.lines().next().unwrap_or("").to_string(),
                    )
                }
            };
            println!(
                "  {mark} {:<16} {:>7}  {detail}",
                step.name,
                seconds(step.took)
            );
        }
        println!("  total {}", seconds(total));
        println!("checks: {passed} passed, {failed} failed, {skipped} skipped");
        if failed == 0 {
            Ok(())
        } else {
            Err(Fail::new(format!("{failed} check(s) failed; see above")))
        }
    }
}

/// Cargo's target directory, absolute: `$CARGO_TARGET_DIR` (which cargo
/// reads relative to the current directory), else `target/`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => std::env::current_dir()
            .unwrap_or_else(|_| root.to_path_buf())
            .join(dir),
        None => root.join("target"),
    }
}

/// `a, b`, or a word that none asks for the check yet.
fn or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "no listing (none asks for it yet)".to_string()
    } else {
        names.join(", ")
    }
}

/// `cargo doc` of every crate a reader may open the docs of, with rustdoc's
/// warnings (a broken or ambiguous intra-doc link, an empty or invalid code
/// block) as errors. `--keep-going`, so that one run names every crate that
/// fails. The book's doctest crate is left out: its docs are the expanded
/// pages, which the book and doctests steps check, and which exist only
/// once the book is built.
fn rustdoc(root: &Path) -> Result<(), Fail> {
    let args = [
        "doc",
        "--no-deps",
        "--workspace",
        "--exclude",
        "book-doctests",
        "--keep-going",
        "--quiet",
    ];
    let mut flags = std::env::var("RUSTDOCFLAGS").unwrap_or_default();
    flags.push_str(" -D warnings");
    let mut doc = cmd::cargo(root, &args);
    doc.env("RUSTDOCFLAGS", flags.trim());
    let finished = cmd::capture(&mut doc, BUILD_LIMIT)?;
    eprint!("{}", finished.stderr);
    if finished.success() {
        return Ok(());
    }
    let crates: Vec<String> = finished
        .stderr
        .lines()
        .filter_map(|line| line.strip_prefix("error: could not document `"))
        .map(|rest| rest.trim_end_matches('`').to_string())
        .collect();
    if crates.is_empty() {
        return Err(Fail::new(format!(
            "`RUSTDOCFLAGS=\"{}\" {}` failed: {}",
            flags.trim(),
            cmd::display(&doc),
            finished.describe()
        )));
    }
    Err(Fail::new(format!(
        "rustdoc warnings, denied, in {}; its messages are above",
        crates.join(", ")
    )))
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

pub fn run(root: &Path, options: &Options) -> Result<(), Fail> {
    let started = Instant::now();
    let mut run = Run::default();
    let listing_names: Vec<String> = crate::listings(root)?
        .iter()
        .map(|path| {
            path.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();

    if options.wants("tools") || options.needs_book() {
        run.step("tools", || {
            tools::ensure_pinned()?;
            Ok(tools::PINNED
                .iter()
                .map(|t| format!("{} {}", t.name, t.version))
                .collect::<Vec<_>>()
                .join(", "))
        });
    }
    if options.wants("fmt") {
        run.step("fmt", || {
            cmd::stream(
                &mut cmd::cargo(root, &["fmt", "--all", "--check"]),
                BUILD_LIMIT,
            )?;
            Ok("cargo fmt --check: every crate formatted".into())
        });
    }
    if options.wants("clippy") {
        run.step("clippy", || {
            let args = [
                "clippy",
                "--workspace",
                "--all-targets",
                "--quiet",
                "--",
                "-D",
                "warnings",
            ];
            cmd::stream(&mut cmd::cargo(root, &args), BUILD_LIMIT)?;
            Ok(format!(
                "{} crates, all targets, -D warnings",
                listing_names.len() + 2
            ))
        });
    }
    if options.wants("docs") {
        run.step("docs", || {
            rustdoc(root)?;
            Ok(format!(
                "{} crates documented, libraries and binaries (the listings, bench, xtask), -D warnings",
                listing_names.len() + 2
            ))
        });
    }
    if options.wants("lineage") {
        run.step("lineage", || {
            let report = lineage::check(root)?;
            Ok(format!(
                "{} listings: {} declared copies identical to their sources, the {}-file harness the same in all",
                report.listings, report.copies, report.harness_files
            ))
        });
    }
    if options.wants("pages") {
        run.step("pages", || {
            let report = pages::check(root)?;
            Ok(format!(
                "{} code blocks from listings, each captioned; no stand-in in {} hidden lines",
                report.captioned, report.hidden_lines
            ))
        });
    }
    if options.wants("tests") {
        run.step("tests", || {
            let args = [
                "test",
                "--workspace",
                "--exclude",
                "book-doctests",
                "--quiet",
            ];
            cmd::stream(&mut cmd::cargo(root, &args), BUILD_LIMIT)?;
            Ok(format!(
                "{} listings and xtask: unit, integration and doc tests",
                listing_names.len()
            ))
        });
    }

    // The checked book goes below the target directory, not to `book/`: two
    // authors' runs in one checkout (each with its own CARGO_TARGET_DIR)
    // must not delete each other's pages mid-check.
    let book_dir = target_dir(root).join("book");
    let markdown = book_dir.join("markdown");
    let html = book_dir.join("html");
    let built = options.needs_book()
        && run.step("book", || {
            let pages = book::build(root, &book_dir)?;
            Ok(format!(
                "{pages} HTML pages, 0 warnings, every include expanded"
            ))
        });
    let needs_built_book = |run: &mut Run, name: &'static str| {
        run.skip(name, "the book did not build");
    };

    if options.wants("doctests") {
        if built {
            run.step("doctests", || {
                let report = doctests::check(root, &markdown)?;
                Ok(format!(
                    "{} Rust blocks on the pages: {} run, {} compiled only (no_run), {} compile_fail",
                    report.blocks(),
                    report.run,
                    report.compiled_only,
                    report.compile_fail
                ))
            });
        } else {
            needs_built_book(&mut run, "doctests");
        }
    }
    if options.wants("mermaid") {
        run.step("mermaid", || {
            book::check_mermaid_assets(root)?;
            Ok("theme/mermaid.min.js is the pinned mdbook-mermaid's".into())
        });
    }
    if options.wants("links") {
        if built {
            run.step("links", || {
                let report = links::check(&html)?;
                Ok(format!(
                    "{} internal links and #fragments on {} pages",
                    report.links, report.pages
                ))
            });
        } else {
            needs_built_book(&mut run, "links");
        }
    }
    if options.wants("quizzes") {
        run.step("quizzes", || Ok(quiz::check(root)?.summary()));
    }
    run.slow_step(options, "outputs", None, || {
        let shown = outputs::discover(root, &[])?;
        let compared = outputs::check(root, &shown)?;
        Ok(format!("{compared} shown outputs rerun and compared"))
    });
    let lineages = lineage::read_all(root).unwrap_or_default();
    let aarch64 = cross::asking(&lineages, |l| l.checks.aarch64);
    run.slow_step(options, "aarch64", cross::aarch64_missing(), || {
        cross::aarch64_tests(root, &aarch64)?;
        Ok(format!(
            "tests of {} run under qemu-aarch64",
            aarch64.join(", ")
        ))
    });
    let valgrind = cross::asking(&lineages, |l| l.checks.valgrind);
    run.slow_step(options, "valgrind", cross::valgrind_missing(), || {
        cross::valgrind_tests(root, &valgrind)?;
        Ok(format!(
            "tests of {} clean under valgrind",
            valgrind.join(", ")
        ))
    });
    let miri = cross::asking(&lineages, |l| l.checks.miri.is_some());
    run.slow_step(options, "miri", cross::miri_missing(), || {
        cross::miri_tests(root, &lineages, &target_dir(root))?;
        Ok(format!(
            "tests of {} clean under Miri (strict provenance)",
            or_none(&miri)
        ))
    });
    let loom = cross::asking(&lineages, |l| l.checks.loom.is_some());
    run.slow_step(options, "loom", None, || {
        cross::loom_tests(root, &lineages, &target_dir(root))?;
        Ok(format!("loom models of {} pass", or_none(&loom)))
    });
    let macos = cross::asking(&lineages, |l| l.checks.macos);
    run.slow_step(options, "macos", cross::macos_missing(), || {
        if !macos.is_empty() {
            cross::macos_check(root, &macos)?;
        }
        Ok(format!(
            "libraries of {} type-check for {} (compiled, not run)",
            or_none(&macos),
            cross::MACOS_TARGETS.join(" and ")
        ))
    });
    let chromium = browser::chromium();
    if options.wants("browser") && !built {
        needs_built_book(&mut run, "browser");
    } else {
        let missing = chromium
            .is_none()
            .then(|| "Chromium is not installed (Debian: chromium)".to_string());
        run.slow_step(options, "browser", missing, || {
            let report = browser::check(&html, chromium.as_deref().unwrap_or("chromium"))?;
            let slow = if report.slow.is_empty() {
                String::new()
            } else {
                format!("; drawn only with a longer budget: {}", report.slow.join(", "))
            };
            Ok(format!(
                "{} pages in Chromium: {} diagrams drawn, {} quizzes open, no errors, search, dark theme{slow}",
                report.pages, report.diagrams, report.quizzes
            ))
        });
    }
    run.summary(started.elapsed())
}
