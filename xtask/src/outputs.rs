//! Shown program outputs: `listings/CRATE/output/NAME.txt` holds, on its first
//! line, the command a reader types (`$ cargo run …`, from the repository
//! root) and below it what that command printed. `check` reruns each command
//! and compares; `regenerate` rewrites the files.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{Fail, cmd};

/// An output command must finish within this (CONTRIBUTING.md says two minutes).
const LIMIT: Duration = Duration::from_secs(180);

pub struct Shown {
    pub file: PathBuf,
    pub listing: String,
    /// What follows `$ ` on the first line.
    pub command: String,
    pub printed: String,
}

impl Shown {
    fn read(file: &Path, listing: &str) -> Result<Shown, Fail> {
        let text = std::fs::read_to_string(file)
            .map_err(|error| Fail::new(format!("cannot read {}: {error}", file.display())))?;
        let (first, printed) = text.split_once('\n').unwrap_or((&text, ""));
        let command = first
            .strip_prefix("$ ")
            .filter(|command| command.starts_with("cargo run "));
        let Some(command) = command else {
            return Err(Fail::new(format!(
                "{}:1: the first line must be the command that prints the rest, as `$ cargo run …`",
                file.display()
            )));
        };
        Ok(Shown {
            file: file.to_path_buf(),
            listing: listing.to_string(),
            command: command.to_string(),
            printed: printed.to_string(),
        })
    }

    /// Runs the command as the reader would, but without cargo's progress
    /// lines: what the program itself wrote to stdout and stderr, in order.
    fn run(&self, root: &Path) -> Result<String, Fail> {
        let mut words = self.command.split_whitespace();
        let (Some("cargo"), Some("run")) = (words.next(), words.next()) else {
            unreachable!("checked when the file was read");
        };
        let mut command = Command::new("sh");
        command
            .current_dir(root)
            .env("CARGO_TERM_COLOR", "never")
            .args(["-c", "exec \"$@\" 2>&1", "sh", "cargo", "run", "--quiet"])
            .args(words);
        let finished = cmd::capture(&mut command, LIMIT)?;
        if !finished.success() {
            return Err(Fail::new(format!(
                "`{}` ({}) failed: {}\n{}",
                self.command,
                self.file.display(),
                finished.describe(),
                last_lines(&finished.stdout, 15)
            )));
        }
        Ok(tidy(&finished.stdout))
    }
}

/// Every output file, of every listing or only of those named.
pub fn discover(root: &Path, only: &[String]) -> Result<Vec<Shown>, Fail> {
    let mut shown = Vec::new();
    for listing in crate::listings(root)? {
        let name = listing
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if !only.is_empty() && !only.contains(&name) {
            continue;
        }
        let output_dir = listing.join("output");
        if !output_dir.is_dir() {
            continue;
        }
        let files = crate::files_with_extension(&output_dir, "txt")?;
        for file in files {
            shown.push(Shown::read(&file, &name)?);
        }
    }
    Ok(shown)
}

/// Reruns every shown output and compares it, normalised, with its file.
pub fn check(root: &Path, shown: &[Shown]) -> Result<usize, Fail> {
    let mut problems = Vec::new();
    for output in shown {
        println!("  {}", output.command);
        match output.run(root) {
            Ok(printed) => {
                if let Some(difference) = first_difference(&output.printed, &printed) {
                    problems.push(format!(
                        "{} is stale: {difference}\n    regenerate it with: cargo xtask outputs {}",
                        relative(root, &output.file),
                        output.listing
                    ));
                }
            }
            Err(error) => problems.push(error.to_string()),
        }
    }
    problems.extend(unshown(root, shown));
    Fail::unless_empty(
        "shown outputs differ from what the listings print",
        problems,
    )?;
    Ok(shown.len())
}

/// Reruns every shown output and writes what it printed into its file.
pub fn regenerate(root: &Path, shown: &[Shown]) -> Result<(), Fail> {
    for output in shown {
        println!("$ {}", output.command);
        let printed = output.run(root)?;
        print!("{printed}");
        std::fs::write(&output.file, format!("$ {}\n{printed}", output.command)).map_err(
            |error| Fail::new(format!("cannot write {}: {error}", output.file.display())),
        )?;
    }
    Ok(())
}

/// An output file no page includes is shown to nobody: a leftover.
fn unshown(root: &Path, shown: &[Shown]) -> Vec<String> {
    let pages: String = std::fs::read_dir(root.join("chapters"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .collect();
    shown
        .iter()
        .map(|output| relative(root, &output.file))
        .filter(|file| !pages.contains(file.as_str()))
        .map(|file| format!("{file} is not included by any page of chapters/"))
        .collect()
}

fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// Trailing white space on each line and at the end says nothing.
pub fn tidy(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    while lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    lines.iter().map(|line| format!("{line}\n")).collect()
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// Where the shown output and a fresh run part, once both are normalised.
fn first_difference(shown: &str, fresh: &str) -> Option<String> {
    let shown = normalise(&tidy(shown));
    let fresh = normalise(fresh);
    if shown == fresh {
        return None;
    }
    let (shown_lines, fresh_lines): (Vec<&str>, Vec<&str>) =
        (shown.lines().collect(), fresh.lines().collect());
    let line = (0..shown_lines.len().max(fresh_lines.len()))
        .find(|&i| shown_lines.get(i) != fresh_lines.get(i))
        .unwrap_or(0);
    // +2: line 1 of the file is the command.
    Some(format!(
        "at line {}\n    shown: {}\n    now:   {}",
        line + 2,
        shown_lines.get(line).unwrap_or(&"(nothing)"),
        fresh_lines.get(line).unwrap_or(&"(nothing)")
    ))
}

/// The units that mark a measured quantity, longest first so that `msg/s` is
/// not read as `ms`.
const UNITS: [&str; 19] = [
    "req/s", "msg/s", "bytes", "KiB", "MiB", "GiB", "ns", "µs", "us", "ms", "kB", "MB", "GB", "/s",
    "s", "B", "×", "%", "x",
];

/// The four documented normalisations (CONTRIBUTING.md, "Showing what a
/// program prints"): the values of a `machine:` line, loopback ports,
/// measured quantities, and the padding that lines such values up.
pub fn normalise(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("machine:") {
                machine_fields(line)
            } else {
                single_spaced(&mask_quantities(&mask_ports(line)))
            }
        })
        .map(|line| line + "\n")
        .collect()
}

/// A line with its indentation kept and every later run of spaces made one.
fn single_spaced(line: &str) -> String {
    let body = line.trim_start_matches(' ');
    let mut spaced = line[..line.len() - body.len()].to_string();
    let mut after_space = false;
    for c in body.chars() {
        if c != ' ' || !after_space {
            spaced.push(c);
        }
        after_space = c == ' ';
    }
    spaced
}

/// A `machine:` line with its values masked and its fields kept:
/// `machine: x86_64, 2 CPUs, 23.5 GiB RAM, Linux 6.18.44, release build`
/// → `machine: ARCH, # CPUs, # GiB RAM, Linux #, release build`. Another
/// machine gives other values, but every listing prints the same fields
/// (the harness's `machine::line`), and the build profile must match.
fn machine_fields(line: &str) -> String {
    // The architecture names carry digits: mask them whole, first.
    let mut line = line.trim().to_string();
    for arch in [
        "x86_64",
        "aarch64",
        "riscv64",
        "powerpc64le",
        "powerpc64",
        "s390x",
        "loongarch64",
    ] {
        line = line.replace(arch, "ARCH");
    }
    let chars: Vec<char> = line.chars().collect();
    let mut masked = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            i = number_end(&chars, i);
            masked.push('#');
        } else {
            masked.push(chars[i]);
            i += 1;
        }
    }
    masked
}

fn mask_ports(line: &str) -> String {
    let mut masked = line.to_string();
    for host in ["127.0.0.1:", "localhost:", "[::1]:"] {
        let mut from = 0;
        while let Some(at) = masked[from..].find(host).map(|at| at + from) {
            let digits_start = at + host.len();
            let digits = masked[digits_start..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            if digits > 0 {
                masked.replace_range(digits_start..digits_start + digits, "PORT");
            }
            from = digits_start;
        }
    }
    masked
}

/// `took 1,234.5 ns` → `took # ns`; `8 threads` stays.
fn mask_quantities(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut masked = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let at_word_start = i == 0 || !is_word(chars[i - 1]) && chars[i - 1] != '.';
        if at_word_start && chars[i].is_ascii_digit() {
            let end = number_end(&chars, i);
            let gap = usize::from(chars.get(end) == Some(&' '));
            let unit = UNITS.iter().find(|unit| unit_at(&chars, end + gap, unit));
            if let Some(unit) = unit {
                // A sign belongs to the measured value: a delta may go either way.
                let signed = i >= 1
                    && matches!(chars[i - 1], '-' | '+')
                    && (i == 1 || !is_word(chars[i - 2]));
                if signed {
                    masked.pop();
                }
                masked.push('#');
                masked.extend(&chars[end..end + gap]);
                masked.push_str(unit);
                i = end + gap + unit.chars().count();
                continue;
            }
            masked.extend(&chars[i..end]);
            i = end;
            continue;
        }
        masked.push(chars[i]);
        i += 1;
    }
    masked
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Digits with `,` `_` or `.` between groups: `1,234.5`, `10_000`.
fn number_end(chars: &[char], start: usize) -> usize {
    let mut end = start;
    while end < chars.len() {
        let joins_digits = matches!(chars[end], ',' | '_' | '.')
            && chars.get(end + 1).is_some_and(char::is_ascii_digit);
        if chars[end].is_ascii_digit() || joins_digits && end > start {
            end += 1;
        } else {
            break;
        }
    }
    end
}

/// Is `unit` written at `at`, and not the start of a longer word?
fn unit_at(chars: &[char], at: usize, unit: &str) -> bool {
    let unit: Vec<char> = unit.chars().collect();
    let fits = chars.get(at..at + unit.len()) == Some(&unit[..]);
    let ends_word = chars
        .get(at + unit.len())
        .is_none_or(|next| !is_word(*next));
    fits && ends_word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_measured_quantities_but_not_counts() {
        assert_eq!(
            normalise("5000 threads: 39.1 GiB reserved, 21,508 KiB resident (4.3 KiB each)"),
            "5000 threads: # GiB reserved, # KiB resident (# KiB each)\n"
        );
        assert_eq!(
            normalise("hand-off 1.02µs, 12.5x slower, 97%"),
            "hand-off #µs, #x slower, #%\n"
        );
        assert_eq!(normalise("181,223 msg/s over 2 ms"), "# msg/s over # ms\n");
        assert_eq!(
            normalise("delta -1.5 MiB, +3 KiB, 10-20 ms"),
            "delta # MiB, # KiB, 10-# ms\n"
        );
    }

    #[test]
    fn padding_between_columns_is_one_space_but_indentation_counts() {
        assert_eq!(
            normalise("  heap      9.5 ns   wheel 12.25 ns"),
            normalise("  heap     10.25 ns  wheel 7.5 ns")
        );
        assert_eq!(normalise("  a  b"), "  a b\n");
        assert_ne!(normalise("  a b"), normalise("    a b"));
        assert_ne!(normalise("a b"), normalise("ab"));
    }

    #[test]
    fn leaves_names_with_digits_alone() {
        assert_eq!(
            normalise("x86_64 aarch64 v8 ch04 1st"),
            "x86_64 aarch64 v8 ch04 1st\n"
        );
        assert_eq!(normalise("3 sockets, 2 sec"), "3 sockets, 2 sec\n");
    }

    #[test]
    fn masks_ports_and_the_machine_line_values() {
        assert_eq!(
            normalise("listening on 127.0.0.1:40321\nmachine: x86_64, 2 CPUs\n"),
            "listening on 127.0.0.1:PORT\nmachine: ARCH, # CPUs\n"
        );
        let here = "machine: x86_64, 2 CPUs, 23.5 GiB RAM, Linux 6.18.44, release build";
        let there = "machine: aarch64, 16 CPUs, 124.0 GiB RAM, Linux 6.1.0, release build";
        assert_eq!(normalise(here), normalise(there));
        // A line without RAM, or from a debug build, is another line.
        let no_ram = "machine: x86_64, 2 CPUs, Linux 6.18.44, release build";
        assert_ne!(normalise(here), normalise(no_ram));
        assert_ne!(
            normalise(here),
            normalise(&here.replace("release", "debug"))
        );
    }

    #[test]
    fn finds_the_first_line_that_differs() {
        assert_eq!(first_difference("a 1 ms\nb\n", "a 2 ms\nb\n"), None);
        let difference = first_difference("a\nb\n", "a\nc\n").unwrap();
        assert!(difference.starts_with("at line 3"), "{difference}");
    }
}
