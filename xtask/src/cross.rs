//! Checks some listings ask for beyond a plain `cargo test`, each named in
//! the listing's `[package.metadata.book.checks]`:
//!
//! - `aarch64`: hand-written assembly also runs for aarch64, under qemu-user;
//! - `valgrind`: every memory access of the tests, checked;
//! - `miri`: unsafe executor and waker code under Miri's interpreter, with
//!   strict provenance;
//! - `loom`: the tests built with `--cfg loom`, so that loom explores every
//!   interleaving of the atomics they use;
//! - `macos`: the library type-checks for macOS (kqueue), without linking.
//!
//! Each needs a tool a fresh machine may lack; `.ci/run` installs them in CI,
//! where a missing tool is a failure rather than a skip.

use std::path::Path;
use std::time::Duration;

use crate::lineage::Lineage;
use crate::{Fail, cmd};

pub const AARCH64: &str = "aarch64-unknown-linux-gnu";
pub const MACOS_TARGETS: [&str; 2] = ["aarch64-apple-darwin", "x86_64-apple-darwin"];

const LIMIT: Duration = Duration::from_secs(15 * 60);

/// The listings that ask for a check, by name.
pub fn asking(all: &[Lineage], wants: impl Fn(&Lineage) -> bool) -> Vec<&str> {
    all.iter()
        .filter(|listing| wants(listing))
        .map(|listing| listing.name.as_str())
        .collect()
}

fn targets_installed(toolchain: Option<&str>) -> String {
    let mut rustup = std::process::Command::new("rustup");
    if let Some(toolchain) = toolchain {
        rustup.args(["+".to_string() + toolchain]);
    }
    rustup
        .args(["target", "list", "--installed"])
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default()
}

/// Why this machine cannot run the aarch64 tests, if it cannot.
pub fn aarch64_missing() -> Option<String> {
    if !targets_installed(None).contains(AARCH64) {
        return Some(format!(
            "the Rust target {AARCH64} is not installed (rustup target add {AARCH64})"
        ));
    }
    ["qemu-aarch64", "aarch64-linux-gnu-gcc"]
        .into_iter()
        .find(|tool| !cmd::exists(tool))
        .map(|tool| format!("{tool} is not installed (Debian: qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"))
}

/// Builds the listings for aarch64 and runs their tests under qemu-user
/// (the linker and runner are set in `.cargo/config.toml`).
pub fn aarch64_tests(root: &Path, listings: &[&str]) -> Result<(), Fail> {
    let mut args = vec!["test", "--target", AARCH64];
    for listing in listings {
        args.extend(["--package", listing]);
    }
    // Only the library and integration tests: doctests are not cross-run.
    args.extend(["--lib", "--tests"]);
    cmd::stream(&mut cmd::cargo(root, &args), LIMIT)
}

pub fn valgrind_missing() -> Option<String> {
    (!cmd::exists("valgrind")).then(|| "valgrind is not installed (Debian: valgrind)".to_string())
}

/// Valgrind checks every memory access of the tests on the host; any error
/// it reports fails the run. Listings with their own stacks tell valgrind
/// where they are (client requests), so a context switch is not mistaken
/// for a huge stack frame. Tests that crash a forked child on purpose (a
/// stack overflow into the guard page) would have valgrind report the
/// child's death: `--child-silent-after-fork` keeps children quiet.
pub fn valgrind_tests(root: &Path, listings: &[&str]) -> Result<(), Fail> {
    let runner = "valgrind --quiet --error-exitcode=99 --child-silent-after-fork=yes";
    for listing in listings {
        let mut test = cmd::cargo(root, &["test", "--package", listing, "--lib", "--tests"]);
        test.env("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER", runner);
        cmd::stream(&mut test, LIMIT)?;
    }
    Ok(())
}

/// Why this machine cannot run Miri, if it cannot.
pub fn miri_missing() -> Option<String> {
    let works = nightly_cargo(Path::new("."))
        .args(["miri", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    (!works).then(|| {
        "Miri is not installed (rustup toolchain install nightly --component miri rust-src)"
            .to_string()
    })
}

/// rustup's `cargo +nightly`, not the stable cargo that runs this task
/// runner (whose path `$CARGO` names).
fn nightly_cargo(dir: &Path) -> std::process::Command {
    let mut cargo = std::process::Command::new("cargo");
    cargo
        .current_dir(dir)
        .arg("+nightly")
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC");
    cargo
}

/// How many listings Miri interprets at once. Miri runs a test binary on
/// one thread, so two lanes keep a 2-core machine busy and take about
/// half the time of one.
const MIRI_LANES: usize = 2;

/// `cargo +nightly miri test` of each listing, with the arguments it names
/// (the tests that exercise its unsafe code), under strict provenance.
/// The listings run [`MIRI_LANES`] at a time, the last chapters (the
/// largest) first, each lane with a target directory of its own so that
/// neither waits for the other's build lock; each listing's output is
/// printed when it finishes, so lanes do not interleave their lines.
pub fn miri_tests(root: &Path, all: &[Lineage], target_dir: &Path) -> Result<(), Fail> {
    // The sysroot Miri builds on first use, once, before the lanes start:
    // two lanes must not build it at the same time.
    let mut setup = nightly_cargo(root);
    setup.args(["miri", "setup"]);
    cmd::stream(&mut setup, LIMIT)?;
    let queue: Vec<(&str, &Vec<String>)> = all
        .iter()
        .rev()
        .filter_map(|l| Some((l.name.as_str(), l.checks.miri.as_ref()?)))
        .collect();
    let next = std::sync::Mutex::new(queue.into_iter());
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for lane in 0..MIRI_LANES {
            let (next, failures) = (&next, &failures);
            scope.spawn(move || {
                loop {
                    let job = next.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some((name, args)) = job else { break };
                    let mut test = nightly_cargo(root);
                    test.args(["miri", "test", "--package", name])
                        .args(args)
                        .env("MIRIFLAGS", "-Zmiri-strict-provenance")
                        .env(
                            "CARGO_TARGET_DIR",
                            target_dir.join(format!("miri-lane-{lane}")),
                        );
                    let outcome = cmd::capture(&mut test, LIMIT);
                    let failed = match &outcome {
                        Ok(finished) => {
                            println!("--- Miri, {name}:\n{}{}", finished.stdout, finished.stderr);
                            (!finished.success()).then(|| {
                                format!("`{}` failed: {}", cmd::display(&test), finished.describe())
                            })
                        }
                        Err(fail) => Some(fail.to_string()),
                    };
                    if let Some(why) = failed {
                        failures.lock().unwrap_or_else(|e| e.into_inner()).push(why);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Fail::new(failures.join("\n")))
    }
}

/// `cargo test` of each listing with `--cfg loom`, in a target directory of
/// its own so that the normal build is not thrown away.
pub fn loom_tests(root: &Path, all: &[Lineage], target_dir: &Path) -> Result<(), Fail> {
    for listing in all {
        let Some(args) = &listing.checks.loom else {
            continue;
        };
        let mut test = cmd::cargo(root, &["test", "--release", "--package", &listing.name]);
        test.args(args);
        test.env("RUSTFLAGS", "--cfg loom")
            .env("CARGO_TARGET_DIR", target_dir.join("loom"));
        cmd::stream(&mut test, LIMIT)?;
    }
    Ok(())
}

/// Why this machine cannot type-check for macOS, if it cannot.
pub fn macos_missing() -> Option<String> {
    let installed = targets_installed(None);
    MACOS_TARGETS
        .iter()
        .find(|target| !installed.contains(*target))
        .map(|target| {
            format!("the Rust target {target} is not installed (rustup target add {target})")
        })
}

/// `cargo check` of each listing's library for both macOS targets: the
/// kqueue code is compiled, not run, here.
pub fn macos_check(root: &Path, listings: &[&str]) -> Result<(), Fail> {
    for target in MACOS_TARGETS {
        let mut args = vec!["check", "--target", target, "--lib"];
        for listing in listings {
            args.extend(["--package", listing]);
        }
        cmd::stream(&mut cmd::cargo(root, &args), LIMIT)?;
    }
    Ok(())
}
