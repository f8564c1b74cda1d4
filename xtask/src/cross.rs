//! Checks of the green-thread listings beyond a plain `cargo test`: their
//! tests on aarch64 under qemu-user, and under valgrind on the host. Both need
//! tools a fresh machine may lack; `.ci/run` installs them in CI, where a
//! missing tool is a failure rather than a skip.

use std::path::Path;
use std::time::Duration;

use crate::{Fail, cmd};

/// The listings with hand-written context switches, one per architecture.
pub const GREEN_THREAD_LISTINGS: [&str; 2] = ["ch04-green-threads", "ch05-green-io"];

pub const AARCH64: &str = "aarch64-unknown-linux-gnu";

const LIMIT: Duration = Duration::from_secs(15 * 60);

/// Why this machine cannot run the aarch64 tests, if it cannot.
pub fn aarch64_missing() -> Option<String> {
    let installed = std::process::Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains(AARCH64));
    if !installed {
        return Some(format!(
            "the Rust target {AARCH64} is not installed (rustup target add {AARCH64})"
        ));
    }
    ["qemu-aarch64", "aarch64-linux-gnu-gcc"]
        .into_iter()
        .find(|tool| !cmd::exists(tool))
        .map(|tool| format!("{tool} is not installed (Debian: qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"))
}

/// Builds the green-thread listings for aarch64 and runs their tests under
/// qemu-user (the linker and runner are set in `.cargo/config.toml`).
pub fn aarch64_tests(root: &Path) -> Result<(), Fail> {
    let mut args = vec!["test", "--target", AARCH64];
    for listing in GREEN_THREAD_LISTINGS {
        args.extend(["--package", listing]);
    }
    // Only the library and integration tests: doctests are not cross-run.
    args.extend(["--lib", "--tests"]);
    cmd::stream(&mut cmd::cargo(root, &args), LIMIT)
}

pub fn valgrind_missing() -> Option<String> {
    (!cmd::exists("valgrind")).then(|| "valgrind is not installed (Debian: valgrind)".to_string())
}

/// Valgrind checks every memory access of the green-thread tests on the
/// host; any error it reports fails the run. The listings tell valgrind where
/// their stacks are (client requests in `valgrind.rs`), so a context switch
/// is not mistaken for a huge stack frame. Tests that crash a forked child on
/// purpose (a stack overflow into the guard page) would have valgrind report
/// the child's death: `--child-silent-after-fork` keeps children quiet.
pub fn valgrind_tests(root: &Path) -> Result<(), Fail> {
    let runner = "valgrind --quiet --error-exitcode=99 --child-silent-after-fork=yes";
    for listing in GREEN_THREAD_LISTINGS {
        let mut test = cmd::cargo(root, &["test", "--package", listing, "--lib", "--tests"]);
        test.env("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER", runner);
        cmd::stream(&mut test, LIMIT)?;
    }
    Ok(())
}
