//! The programs in `fail/` must fail to compile, and with the error the
//! chapter explains. (Doctests marked `compile_fail,E…` check only that
//! they fail; stable rustdoc does not check the error code.)

use std::path::{Path, PathBuf};
use std::process::Command;

/// This crate's library, as built for this test: the newest
/// `libch09_futures-*.rlib` next to the test binary.
fn library(deps: &Path) -> PathBuf {
    std::fs::read_dir(deps)
        .expect("read the deps folder")
        .flatten()
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.starts_with("libch09_futures-") && name.ends_with(".rlib")
        })
        .max_by_key(|entry| entry.metadata().and_then(|m| m.modified()).ok())
        .expect("the library's rlib")
        .path()
}

/// Compiles `fail/NAME.rs` against the library; returns the compiler's
/// errors.
fn compile(name: &str) -> String {
    let test = std::env::current_exe().expect("this test's path");
    let deps = test.parent().expect("the deps folder");
    let out = std::env::temp_dir().join(format!("ch09-fail-{name}"));
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fail")
        .join(format!("{name}.rs"));
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(rustc)
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "bin",
            "--emit",
            "metadata",
        ])
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("--extern")
        .arg(format!("ch09_futures={}", library(deps).display()))
        .arg("-o")
        .arg(&out)
        .arg(&source)
        .output()
        .expect("run rustc");
    let _ = std::fs::remove_file(&out);
    assert!(!output.status.success(), "{name} compiled");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn two_closures_cannot_share_one_mut() {
    let errors = compile("shared_state");
    assert!(errors.contains("error[E0505]"), "{errors}");
    assert!(errors.contains("cannot move out of `stats`"), "{errors}");
}

#[test]
fn a_future_that_is_not_unpin_must_be_pinned_before_polling() {
    let errors = compile("unpin");
    assert!(errors.contains("error[E0277]"), "{errors}");
    assert!(errors.contains("cannot be unpinned"), "{errors}");
}
