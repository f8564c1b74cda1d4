//! `cargo xtask bench [--quick]`: every measurement of the book, then the
//! head-to-head, with the time each took.
//!
//! The measurements are the listings' binaries whose shown outputs start
//! with a `machine:` line (the harness prints one first in every
//! measurement): the command on the first line of each such
//! `listings/*/output/*.txt`, run as the reader types it. Their output goes
//! to the terminal; the files are not touched (`cargo xtask outputs`
//! rewrites those). Then `cargo run --release -p book-bench`, which writes
//! `bench/results/`, and, where `perf` is installed, the profile of the two
//! current-thread servers (`--bin profile`), which writes its own files
//! there.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::{Fail, cmd, outputs};

/// One measurement may take this long (book-bench's full run takes minutes).
const LIMIT: Duration = Duration::from_secs(60 * 60);

pub fn run(root: &Path, args: &[String]) -> Result<(), Fail> {
    let mut quick = false;
    for arg in args {
        match arg.as_str() {
            "--quick" => quick = true,
            other => return Err(Fail::new(format!("unknown option {other}"))),
        }
    }
    let mut commands: Vec<String> = Vec::new();
    for shown in outputs::discover(root, &[])? {
        let measures = shown.printed.lines().any(|l| l.starts_with("machine:"));
        if measures && !commands.contains(&shown.command) {
            commands.push(shown.command);
        }
    }
    let head_to_head = if quick {
        "cargo run --release -p book-bench -- --quick"
    } else {
        "cargo run --release -p book-bench"
    };
    commands.push(head_to_head.to_string());
    let profile = "cargo run --release -p book-bench --bin profile";
    if cmd::exists("perf") {
        commands.push(profile.to_string());
    } else {
        println!("skipped: {profile} (perf is not installed: apt-get install linux-perf)");
    }

    let started = Instant::now();
    let mut took = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        println!("\n==> [{} of {}] {command}", i + 1, commands.len());
        let words: Vec<&str> = command.split_whitespace().skip(1).collect();
        let mut cargo = cmd::cargo(root, &words);
        let step = Instant::now();
        // A failure does not stop the rest: the summary shows them all.
        let result = cmd::stream(&mut cargo, LIMIT);
        if let Err(fail) = &result {
            eprintln!("FAILED: {fail}");
        }
        took.push((command, step.elapsed(), result.is_ok()));
    }
    println!("\n{}", "-".repeat(78));
    println!("cargo xtask bench{}", if quick { " --quick" } else { "" });
    for (command, time, ok) in &took {
        let mark = if *ok { "ok" } else { "FAILED" };
        println!("  {mark} {:>7}  {command}", seconds(*time));
    }
    let total = started.elapsed().as_secs();
    println!(
        "total: {} commands in {} min {} s (builds included)",
        took.len(),
        total / 60,
        total % 60
    );
    let failed = took.iter().filter(|(_, _, ok)| !ok).count();
    if failed > 0 {
        return Err(Fail::new(format!("{failed} command(s) failed; see above")));
    }
    Ok(())
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}
