//! The book's task runner.
//!
//! ```text
//! cargo xtask serve [--host H] [--port P]   serve the book (installs the pinned tools if needed)
//! cargo xtask test [--quick] [--only S,…]   run every check
//! cargo xtask outputs [LISTING…]            regenerate the program outputs the book shows
//! cargo xtask lineage [LISTING…] [--diff]    what a chapter's listing changes relative to the one it grows from
//! cargo xtask bench [--quick]               run every measurement of the book, then the head-to-head
//! ```

mod bench;
mod book;
mod browser;
mod check;
mod cmd;
mod cross;
mod doctests;
mod html;
mod http;
mod lineage;
mod links;
mod markdown;
mod outputs;
mod pages;
mod quiz;
mod tools;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage:
  cargo xtask serve [--host HOST] [--port PORT]
      Installs the pinned mdbook, mdbook-mermaid and mdbook-quiz if the installed
      versions differ, then serves the book (default http://127.0.0.1:3000).
  cargo xtask test [--quick] [--only STEP,...]
      Runs every check and prints a summary. --quick leaves out the slow steps
      (shown outputs, aarch64, valgrind, miri, loom, macos, browser). Steps:
      tools, fmt, clippy, docs, lineage, pages, tests, book, doctests, mermaid,
      links, quizzes, outputs, aarch64, valgrind, miri, loom, macos, browser.
  cargo xtask outputs [LISTING...]
      Reruns the commands of the shown program outputs (of every listing, or of
      those named, e.g. ch01-blocking-read) and rewrites the files.
  cargo xtask lineage [LISTING...] [--diff]
      Shows what a listing (or every listing) takes unchanged from the one it
      grows from, what it changes, adds and leaves behind; --diff prints the
      changes themselves.
  cargo xtask bench [--quick]
      Runs every measurement of the book on this machine (the listings'
      binaries whose shown outputs start with a machine: line), then the
      head-to-head (cargo run --release -p book-bench, --quick passed on),
      and prints how long each took.";

/// A check that did not pass, with what the reader of the log needs to fix it.
#[derive(Debug)]
pub struct Fail {
    message: String,
    items: Vec<String>,
}

impl Fail {
    pub fn new(message: impl Into<String>) -> Fail {
        Fail {
            message: message.into(),
            items: Vec::new(),
        }
    }

    pub fn list(message: impl Into<String>, items: Vec<String>) -> Fail {
        Fail {
            message: message.into(),
            items,
        }
    }

    /// `Ok` when a check found no `problems`, else a failure listing them.
    pub fn unless_empty(message: &str, problems: Vec<String>) -> Result<(), Fail> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Fail::list(message, problems))
        }
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        for item in &self.items {
            write!(f, "\n  - {}", item.replace('\n', "\n    "))?;
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repository_root();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => {
            check::Options::parse(&args[1..]).and_then(|options| check::run(&root, &options))
        }
        Some("outputs") => outputs::discover(&root, &args[1..]).and_then(|shown| {
            if shown.is_empty() {
                Err(Fail::new(format!(
                    "no output files found for {:?}",
                    &args[1..]
                )))
            } else {
                outputs::regenerate(&root, &shown)
            }
        }),
        Some("lineage") => lineage::show(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        // Not for people: the `rustc` that mdbook-quiz runs (xtask/src/quiz/shim.rs).
        Some("quiz-rustc") => quiz::rustc(&root, &args[1..]),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(Fail::new(USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => {
            eprintln!("error: {fail}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: the folder above this crate's.
fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository")
        .to_path_buf()
}

/// The files directly in `dir` whose names end in `.extension`, sorted.
pub fn files_with_extension(dir: &Path, extension: &str) -> Result<Vec<PathBuf>, Fail> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|error| Fail::new(format!("cannot read {}: {error}", dir.display())))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect();
    files.sort();
    Ok(files)
}

/// Every listing crate, in chapter order.
pub fn listings(root: &Path) -> Result<Vec<PathBuf>, Fail> {
    let dir = root.join("listings");
    let mut listings: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|error| Fail::new(format!("cannot read {}: {error}", dir.display())))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect();
    listings.sort();
    Ok(listings)
}

fn serve(args: &[String]) -> Result<(), Fail> {
    let mut host = "127.0.0.1".to_string();
    let mut port = "3000".to_string();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| Fail::new(format!("{flag} needs a value\n{USAGE}")))?;
        match flag.as_str() {
            "--host" => host = value.clone(),
            "--port" => port = value.clone(),
            _ => return Err(Fail::new(format!("unknown option {flag}\n{USAGE}"))),
        }
    }
    tools::ensure_pinned()?;
    println!("Serving the book at http://{host}:{port} (Ctrl-C stops it)");
    let root = repository_root();
    let status = Command::new("mdbook")
        .current_dir(&root)
        .args(["serve", "--hostname", &host, "--port", &port])
        .env("PATH", quiz::path_for_mdbook(&root)?)
        .status()
        .map_err(|error| Fail::new(format!("cannot start mdbook: {error}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Fail::new(format!("mdbook serve: {status}")))
    }
}
