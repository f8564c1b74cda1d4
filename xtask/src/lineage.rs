//! Lineage: chapter N's listing is chapter N−1's plus what chapter N
//! teaches, and that relation is data. Each listing's `Cargo.toml` says
//!
//! ```toml
//! [package.metadata.book]
//! grows-from = "ch04-green-threads"           # the listing it grows from
//! unchanged = ["src/stack.rs", "src/policy.rs"] # files copied from it as they are
//!
//! [package.metadata.book.copied]              # files copied from other listings
//! "ch03-thread-per-connection" = ["src/echo.rs"]
//! ```
//!
//! and the measuring harness, `src/harness/`, is the same in every listing.
//! `check` fails when a declared copy differs from its source, when a file is
//! a silent copy (identical to its source but not declared), or when a
//! harness drifts; `show` prints what a chapter changes relative to the one
//! it grows from, so a page can point the reader to it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Fail;

/// The folders of a listing whose files are compared; `output/` (what the
/// programs print) and the manifest are not code.
const CODE_DIRS: [&str; 4] = ["src", "tests", "examples", "benches"];
/// The measuring harness, identical in every listing.
pub const HARNESS: &str = "src/harness";

/// One listing's declared relation to the others.
#[derive(Debug)]
pub struct Lineage {
    pub name: String,
    pub dir: PathBuf,
    pub grows_from: Option<String>,
    /// Files copied unchanged from `grows_from`.
    pub unchanged: Vec<String>,
    /// Files copied unchanged from other listings: (listing, files).
    pub copied: Vec<(String, Vec<String>)>,
    /// The checks beyond `cargo test` this listing asks for.
    pub checks: Checks,
}

/// `[package.metadata.book.checks]`: what a listing's code needs checked
/// beyond its tests on this machine.
///
/// ```toml
/// [package.metadata.book.checks]
/// aarch64 = true                  # tests also run for aarch64, under qemu-user
/// valgrind = true                 # tests also run under valgrind
/// miri = ["--lib", "--test", "waker"]   # `cargo miri test` with these arguments
/// loom = ["--test", "loom"]       # `cargo test` with `--cfg loom`, these arguments
/// macos = true                    # the library type-checks for macOS (kqueue)
/// ```
#[derive(Debug, Default)]
pub struct Checks {
    pub aarch64: bool,
    pub valgrind: bool,
    pub miri: Option<Vec<String>>,
    pub loom: Option<Vec<String>>,
    pub macos: bool,
}

impl Lineage {
    /// Reads `[package.metadata.book]` of the listing in `dir`.
    fn read(dir: &Path) -> Result<Lineage, Fail> {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let manifest = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)
            .map_err(|error| Fail::new(format!("cannot read {}: {error}", manifest.display())))?;
        let table: toml::Table = text
            .parse()
            .map_err(|error| Fail::new(format!("{}: {error}", manifest.display())))?;
        let book = table
            .get("package")
            .and_then(|package| package.get("metadata"))
            .and_then(|metadata| metadata.get("book"));
        let bad = |what: &str| {
            Fail::new(format!(
                "{}: [package.metadata.book] {what}",
                manifest.display()
            ))
        };
        let strings = |value: Option<&toml::Value>, what: &str| -> Result<Vec<String>, Fail> {
            match value {
                None => Ok(Vec::new()),
                Some(toml::Value::Array(items)) => items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| bad(&format!("{what} must list file paths as strings")))
                    })
                    .collect(),
                Some(_) => Err(bad(&format!("{what} must be an array of strings"))),
            }
        };
        let grows_from = match book.and_then(|book| book.get("grows-from")) {
            None => None,
            Some(value) => Some(
                value
                    .as_str()
                    .ok_or_else(|| bad("grows-from must be a listing's name"))?
                    .to_string(),
            ),
        };
        let unchanged = strings(book.and_then(|book| book.get("unchanged")), "unchanged")?;
        let mut copied = Vec::new();
        if let Some(table) = book.and_then(|book| book.get("copied")) {
            let table = table
                .as_table()
                .ok_or_else(|| bad("copied must be a table of listing = [files]"))?;
            for (listing, files) in table {
                copied.push((listing.clone(), strings(Some(files), "copied")?));
            }
        }
        let mut checks = Checks::default();
        if let Some(table) = book.and_then(|book| book.get("checks")) {
            let table = table
                .as_table()
                .ok_or_else(|| bad("checks must be a table"))?;
            for (key, value) in table {
                let flag = || {
                    value
                        .as_bool()
                        .ok_or_else(|| bad(&format!("checks.{key} must be true or false")))
                };
                match key.as_str() {
                    "aarch64" => checks.aarch64 = flag()?,
                    "valgrind" => checks.valgrind = flag()?,
                    "macos" => checks.macos = flag()?,
                    "miri" => checks.miri = Some(strings(Some(value), "checks.miri")?),
                    "loom" => checks.loom = Some(strings(Some(value), "checks.loom")?),
                    other => {
                        return Err(bad(&format!(
                            "checks.{other} is no check (aarch64, valgrind, miri, loom, macos)"
                        )));
                    }
                }
            }
        }
        Ok(Lineage {
            name,
            dir: dir.to_path_buf(),
            grows_from,
            unchanged,
            copied,
            checks,
        })
    }
}

/// Every listing's lineage, in chapter order.
pub fn read_all(root: &Path) -> Result<Vec<Lineage>, Fail> {
    crate::listings(root)?
        .iter()
        .map(|dir| Lineage::read(dir))
        .collect()
}

/// What `check` looked at, for the summary line.
pub struct Report {
    pub listings: usize,
    pub copies: usize,
    pub harness_files: usize,
}

/// Checks every declared relation and the harness copies.
pub fn check(root: &Path) -> Result<Report, Fail> {
    let all = read_all(root)?;
    let problems = problems(&all);
    Fail::unless_empty(
        "listings drifted from the chapters they grow from (see [package.metadata.book] in their Cargo.toml)",
        problems,
    )?;
    Ok(Report {
        listings: all.len(),
        copies: all
            .iter()
            .map(|l| l.unchanged.len() + l.copied.iter().map(|(_, f)| f.len()).sum::<usize>())
            .sum(),
        harness_files: all
            .first()
            .map_or(0, |first| code_files(&first.dir.join(HARNESS)).len()),
    })
}

fn problems(all: &[Lineage]) -> Vec<String> {
    let mut problems = Vec::new();
    let position = |name: &str| all.iter().position(|l| l.name == name);
    for (index, listing) in all.iter().enumerate() {
        let manifest = format!("listings/{}/Cargo.toml", listing.name);
        match (&listing.grows_from, index) {
            (None, 0) => {}
            (None, _) => problems.push(format!(
                "{manifest}: no `grows-from`; every listing but the first names the one it grows from"
            )),
            (Some(from), _) => match position(from) {
                Some(at) if at < index => {}
                Some(_) => problems.push(format!(
                    "{manifest}: grows from {from}, which is not an earlier chapter"
                )),
                None => problems.push(format!("{manifest}: grows from {from}, which is no listing")),
            },
        }
        let mut declared = BTreeSet::new();
        let sources = listing
            .grows_from
            .iter()
            .map(|from| (from, &listing.unchanged))
            .chain(listing.copied.iter().map(|(from, files)| (from, files)));
        for (from, files) in sources {
            let Some(source) = position(from).map(|at| &all[at]) else {
                problems.push(format!(
                    "{manifest}: copies files from {from}, which is no listing"
                ));
                continue;
            };
            for file in files {
                if !declared.insert(file.clone()) {
                    problems.push(format!("{manifest}: {file} is declared a copy twice"));
                }
                if file.starts_with(HARNESS) {
                    problems.push(format!(
                        "{manifest}: {file} is in the harness, which is the same everywhere anyway; do not list it"
                    ));
                }
                if let Some(difference) = compare(&source.dir.join(file), &listing.dir.join(file)) {
                    problems.push(format!(
                        "listings/{}/{file} is declared an unchanged copy of listings/{from}/{file}, but {difference}; \
                         make them equal again, or take it out of the list if the change is this chapter's lesson",
                        listing.name
                    ));
                }
            }
        }
        // A copy nobody declared hides the relation the reader should see.
        if let Some(source) = listing
            .grows_from
            .as_deref()
            .and_then(position)
            .map(|at| &all[at])
        {
            for file in code_files(&listing.dir) {
                let relative = relative(&listing.dir, &file);
                if relative.starts_with(HARNESS) || declared.contains(&relative) {
                    continue;
                }
                if compare(&source.dir.join(&relative), &file).is_none() {
                    problems.push(format!(
                        "listings/{}/{relative} is identical to listings/{}/{relative}: declare it in `unchanged`",
                        listing.name, source.name
                    ));
                }
            }
        }
    }
    problems.extend(harness_problems(all));
    problems.extend(binary_name_problems(all));
    problems
}

/// Cargo puts every binary of the workspace in one folder (`target/debug`),
/// so two listings' binaries of one name overwrite each other: a test's
/// `CARGO_BIN_EXE_x`, or a quiz's program, may then run the other one.
fn binary_name_problems(all: &[Lineage]) -> Vec<String> {
    let mut owners: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for listing in all {
        let Ok(entries) = std::fs::read_dir(listing.dir.join("src/bin")) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = if path.is_dir() {
                path.file_name()
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                path.file_stem()
            } else {
                None
            };
            if let Some(name) = name {
                owners
                    .entry(name.to_string_lossy().into_owned())
                    .or_default()
                    .push(&listing.name);
            }
        }
    }
    owners
        .into_iter()
        .filter(|(_, listings)| listings.len() > 1)
        .map(|(name, listings)| {
            format!(
                "the binary `{name}` exists in {}: cargo builds every binary of the workspace into one \
                 folder, so they overwrite each other; give each a name of its own",
                listings.join(" and ")
            )
        })
        .collect()
}

/// The harness of every listing must be the first listing's, file for file.
fn harness_problems(all: &[Lineage]) -> Vec<String> {
    let Some(first) = all.first() else {
        return Vec::new();
    };
    let reference = first.dir.join(HARNESS);
    let files: BTreeSet<String> = code_files(&reference)
        .iter()
        .map(|file| relative(&reference, file))
        .collect();
    let mut problems = Vec::new();
    if files.is_empty() {
        problems.push(format!(
            "listings/{}/{HARNESS} is missing or empty",
            first.name
        ));
    }
    for listing in &all[1..] {
        let harness = listing.dir.join(HARNESS);
        let theirs: BTreeSet<String> = code_files(&harness)
            .iter()
            .map(|file| relative(&harness, file))
            .collect();
        for missing in files.difference(&theirs) {
            problems.push(format!(
                "listings/{}/{HARNESS}/{missing} is missing: the harness is the same in every listing",
                listing.name
            ));
        }
        for extra in theirs.difference(&files) {
            problems.push(format!(
                "listings/{}/{HARNESS}/{extra} is not in listings/{}/{HARNESS}: add it to every listing's harness",
                listing.name, first.name
            ));
        }
        for file in files.intersection(&theirs) {
            if let Some(difference) = compare(&reference.join(file), &harness.join(file)) {
                problems.push(format!(
                    "listings/{}/{HARNESS}/{file} differs from listings/{}/{HARNESS}/{file}: {difference}; \
                     the harness is the same in every listing (copy the changed one to all)",
                    listing.name, first.name
                ));
            }
        }
    }
    problems
}

/// `None` if both files exist and are equal, else what differs.
fn compare(source: &Path, copy: &Path) -> Option<String> {
    let (Ok(a), Ok(b)) = (std::fs::read(source), std::fs::read(copy)) else {
        let missing = if source.exists() { copy } else { source };
        return Some(format!("{} does not exist", missing.display()));
    };
    if a == b {
        return None;
    }
    let (a, b) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()));
    Some(format!("they differ from line {}", line + 1))
}

/// The code files of a listing (or of a folder), sorted.
fn code_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let roots: Vec<PathBuf> = if dir.join("Cargo.toml").is_file() {
        CODE_DIRS.iter().map(|sub| dir.join(sub)).collect()
    } else {
        vec![dir.to_path_buf()]
    };
    for root in roots {
        walk(&root, &mut files);
    }
    files.sort();
    files
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn relative(base: &Path, file: &Path) -> String {
    file.strip_prefix(base)
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned()
}

/// `cargo xtask lineage [LISTING] [--diff]`: for one listing (or all), what
/// it takes unchanged, what it changes, what it adds and what it leaves out,
/// relative to the listing it grows from; `--diff` adds the changes
/// themselves.
pub fn show(root: &Path, args: &[String]) -> Result<(), Fail> {
    let diff = args.iter().any(|arg| arg == "--diff");
    let named: Vec<&String> = args.iter().filter(|arg| !arg.starts_with("--")).collect();
    let all = read_all(root)?;
    for name in &named {
        if !all.iter().any(|l| &&l.name == name) {
            return Err(Fail::new(format!("no listing called {name}")));
        }
    }
    for listing in &all {
        if !named.is_empty() && !named.contains(&&listing.name) {
            continue;
        }
        let Some(from) = listing
            .grows_from
            .as_deref()
            .and_then(|from| all.iter().find(|l| l.name == from))
        else {
            println!("{}: the first listing; it grows from none", listing.name);
            continue;
        };
        print!("{}", describe(listing, from, diff));
    }
    Ok(())
}

fn describe(listing: &Lineage, from: &Lineage, diff: bool) -> String {
    let ours: BTreeSet<String> = code_files(&listing.dir)
        .iter()
        .map(|file| relative(&listing.dir, file))
        .filter(|file| !file.starts_with(HARNESS))
        .collect();
    let theirs: BTreeSet<String> = code_files(&from.dir)
        .iter()
        .map(|file| relative(&from.dir, file))
        .filter(|file| !file.starts_with(HARNESS))
        .collect();
    let copied_elsewhere: Vec<String> = listing
        .copied
        .iter()
        .flat_map(|(source, files)| {
            files
                .iter()
                .map(move |file| format!("{file} (from {source})"))
        })
        .collect();
    let mut out = format!(
        "{} grows from {}\n  harness: {HARNESS}/, the same in every listing\n",
        listing.name, from.name
    );
    let mut section = |title: &str, files: Vec<String>| {
        if !files.is_empty() {
            out.push_str(&format!("  {title} ({}):\n", files.len()));
            for file in files {
                out.push_str(&format!("    {file}\n"));
            }
        }
    };
    section("unchanged", listing.unchanged.clone());
    section("copied from other listings", copied_elsewhere);
    let changed: Vec<String> = ours
        .intersection(&theirs)
        .filter(|file| !listing.unchanged.contains(file))
        .map(|file| {
            format!(
                "{file}  {}",
                line_counts(&from.dir.join(file), &listing.dir.join(file))
            )
        })
        .collect();
    section("changed", changed);
    let copied_files: BTreeSet<&String> =
        listing.copied.iter().flat_map(|(_, files)| files).collect();
    section(
        "new",
        ours.difference(&theirs)
            .filter(|file| !copied_files.contains(file))
            .cloned()
            .collect(),
    );
    section("left behind", theirs.difference(&ours).cloned().collect());
    if diff {
        for file in ours.intersection(&theirs) {
            if listing.unchanged.contains(file) {
                continue;
            }
            let output = Command::new("diff")
                .args(["-u", "--label"])
                .arg(format!("{}/{file}", from.name))
                .arg("--label")
                .arg(format!("{}/{file}", listing.name))
                .arg(from.dir.join(file))
                .arg(listing.dir.join(file))
                .output();
            match output {
                Ok(output) => out.push_str(&String::from_utf8_lossy(&output.stdout)),
                Err(error) => out.push_str(&format!("(cannot run diff: {error})\n")),
            }
        }
    }
    out
}

/// `+12 -3`: lines only in the new file and only in the old one.
fn line_counts(old: &Path, new: &Path) -> String {
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    let (old, new) = (read(old), read(new));
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let common = lcs_length(&old_lines, &new_lines);
    format!(
        "+{} -{}",
        new_lines.len() - common,
        old_lines.len() - common
    )
}

/// The length of the longest common subsequence of lines (what a line diff
/// keeps).
fn lcs_length(a: &[&str], b: &[&str]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path, name: &str, manifest_book: &str, files: &[(&str, &str)]) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(&path).unwrap();
        for (file, text) in files {
            let file = path.join(file);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        std::fs::write(
            path.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\n\n[package.metadata.book]\n{manifest_book}\n"),
        )
        .unwrap();
        path
    }

    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-lineage-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn lineages(dir: &Path, names: &[&str]) -> Vec<Lineage> {
        names
            .iter()
            .map(|name| Lineage::read(&dir.join(name)).unwrap())
            .collect()
    }

    #[test]
    fn accepts_declared_copies_and_a_shared_harness() {
        let dir = scratch("ok");
        let harness = ("src/harness/mod.rs", "// harness\n");
        listing(
            &dir,
            "ch01",
            "",
            &[harness, ("src/a.rs", "a\n"), ("src/b.rs", "b\n")],
        );
        listing(
            &dir,
            "ch02",
            "grows-from = \"ch01\"\nunchanged = [\"src/a.rs\"]",
            &[harness, ("src/a.rs", "a\n"), ("src/b.rs", "b, grown\n")],
        );
        assert_eq!(
            problems(&lineages(&dir, &["ch01", "ch02"])),
            Vec::<String>::new()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn finds_drifted_and_silent_copies_and_harness_drift() {
        let dir = scratch("bad");
        listing(
            &dir,
            "ch01",
            "",
            &[
                ("src/harness/mod.rs", "// harness\n"),
                ("src/a.rs", "a\n"),
                ("src/b.rs", "b\n"),
            ],
        );
        listing(
            &dir,
            "ch02",
            "grows-from = \"ch01\"\nunchanged = [\"src/a.rs\"]",
            &[
                ("src/harness/mod.rs", "// harness, edited\n"),
                ("src/a.rs", "a, edited\n"),
                ("src/b.rs", "b\n"),
            ],
        );
        let found = problems(&lineages(&dir, &["ch01", "ch02"]));
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found[0].contains("src/a.rs is declared an unchanged copy"),
            "{}",
            found[0]
        );
        assert!(found[1].contains("src/b.rs is identical"), "{}", found[1]);
        assert!(
            found[2].contains("src/harness/mod.rs differs"),
            "{}",
            found[2]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_listing_but_the_first_grows_from_an_earlier_one() {
        let dir = scratch("order");
        listing(&dir, "ch01", "grows-from = \"ch02\"", &[]);
        listing(&dir, "ch02", "", &[]);
        let found = problems(&lineages(&dir, &["ch01", "ch02"]));
        assert!(found[0].contains("not an earlier chapter"), "{found:#?}");
        assert!(found[1].contains("no `grows-from`"), "{found:#?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn binary_names_are_unique_across_listings() {
        let dir = scratch("bins");
        listing(
            &dir,
            "ch01",
            "",
            &[("src/bin/predict.rs", "fn main() {}\n")],
        );
        listing(
            &dir,
            "ch02",
            "grows-from = \"ch01\"",
            &[("src/bin/predict.rs", "fn main() {}\n")],
        );
        let found = binary_name_problems(&lineages(&dir, &["ch01", "ch02"]));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].contains("`predict` exists in ch01 and ch02"),
            "{}",
            found[0]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn counts_changed_lines() {
        assert_eq!(lcs_length(&["a", "b", "c"], &["a", "x", "c", "d"]), 2);
    }
}
