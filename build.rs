//! Writes `$OUT_DIR/pages.rs`: one module per page that mdBook expanded into
//! `book/markdown/` (or `$BOOK_MARKDOWN_DIR`), documented by that page.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-env-changed=BOOK_MARKDOWN_DIR");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let pages_dir = std::env::var_os("BOOK_MARKDOWN_DIR")
        .map_or_else(|| manifest_dir.join("book").join("markdown"), PathBuf::from);
    // Before the first `mdbook build` there are no pages: the crate is then
    // empty, and `cargo xtask test` notices, because it counts the blocks.
    println!("cargo::rerun-if-changed={}", pages_dir.display());

    let mut pages = Vec::new();
    collect_pages(&pages_dir, &mut pages);
    pages.sort();

    let mut modules = String::new();
    for page in &pages {
        println!("cargo::rerun-if-changed={}", page.display());
        let relative = page
            .strip_prefix(&pages_dir)
            .expect("found below the pages folder");
        writeln!(
            modules,
            "#[doc = include_str!({:?})]\npub mod {} {{}}\n",
            page.display().to_string(),
            module_name(relative)
        )
        .expect("writing to a String cannot fail");
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(out_dir.join("pages.rs"), modules).expect("OUT_DIR is writable");
}

fn collect_pages(dir: &Path, pages: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_pages(&path, pages);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            pages.push(path);
        }
    }
}

/// `ch04-green-threads.md` → `ch04_green_threads`: the name rustdoc prints
/// next to a failing block, so the page is easy to find.
fn module_name(relative: &Path) -> String {
    let name: String = relative
        .with_extension("")
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("page_{name}")
    } else {
        name
    }
}
