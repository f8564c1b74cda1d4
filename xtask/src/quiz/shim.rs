//! mdbook-quiz 0.5 checks every Tracing question while the book builds: it
//! writes the program to `TMP/main.rs`, runs `rustc TMP/main.rs -A warnings`
//! (in TMP, with the `rustc` on the PATH) and compares what `./main` prints
//! with `answer.stdout`. Our programs are binaries of the listings, which
//! need their crate and `libc`, so a bare `rustc` cannot build them.
//!
//! So every `mdbook` the task runner starts gets a PATH whose first `rustc`
//! is a stand-in: for a program that is a listing's binary, it has cargo
//! build that binary and puts it where mdbook-quiz looks for `main`; for
//! anything else it runs the real `rustc` with the same arguments.
//! mdbook-quiz then runs the real program and compares its output itself.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{Fail, cmd, html};

use super::find_program;

const BUILD_LIMIT: Duration = Duration::from_secs(600);

/// The folder holding the stand-in `rustc`: next to the task runner's binary
/// that it runs, so that runs with different target directories do not
/// share one.
fn folder(root: &Path) -> PathBuf {
    match std::env::current_exe() {
        Ok(xtask) => xtask.with_file_name("xtask-quiz-rustc"),
        Err(_) => root.join("target/xtask-quiz-rustc"),
    }
}

/// Writes the stand-in `rustc` and returns a PATH that finds it first, for
/// the `mdbook` commands the task runner starts.
pub fn path_for_mdbook(root: &Path) -> Result<OsString, Fail> {
    let folder = folder(root);
    let xtask = std::env::current_exe()
        .map_err(|error| Fail::new(format!("cannot find the task runner's binary: {error}")))?;
    let script = format!(
        "#!/bin/sh\n\
         # Written by the task runner (xtask/src/quiz/shim.rs): mdbook-quiz compiles a\n\
         # Tracing question's program with `rustc main.rs`; a listing's binary is built\n\
         # by cargo instead.\n\
         exec {} quiz-rustc \"$@\"\n",
        shell_quoted(&xtask.display().to_string())
    );
    let file = folder.join("rustc");
    let written = std::fs::create_dir_all(&folder)
        .and_then(|()| std::fs::write(&file, script))
        .and_then(|()| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755))
        });
    written.map_err(|error| Fail::new(format!("cannot write {}: {error}", file.display())))?;
    let mut folders = vec![folder];
    folders.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(folders).map_err(|error| Fail::new(format!("PATH: {error}")))
}

/// The PATH without the stand-in: what the real tools run with.
fn path_without_shim(root: &Path) -> OsString {
    let shim = folder(root);
    let folders: Vec<PathBuf> =
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .filter(|folder| *folder != shim)
            .collect();
    std::env::join_paths(folders).unwrap_or_default()
}

/// `cargo xtask quiz-rustc ARGS…`, what the stand-in runs: mdbook-quiz's
/// `rustc DIR/main.rs -A warnings` for a listing's binary becomes a cargo
/// build of it, copied to `DIR/main`; every other call goes to the real rustc.
pub fn rustc(root: &Path, args: &[String]) -> Result<(), Fail> {
    let path = path_without_shim(root);
    if let [source, allow, warnings] = args
        && allow == "-A"
        && warnings == "warnings"
        && source.ends_with("/main.rs")
    {
        let program = std::fs::read_to_string(source).unwrap_or_default();
        if let Some(bin) = find_program(root, &program) {
            let built = build(root, &path, &bin.listing, &bin.name)?;
            let main = Path::new(source).with_file_name("main");
            std::fs::copy(&built, &main).map_err(|error| {
                Fail::new(format!(
                    "cannot copy {} to {}: {error}",
                    built.display(),
                    main.display()
                ))
            })?;
            return Ok(());
        }
    }
    let error = Command::new("rustc").args(args).env("PATH", path).exec();
    Err(Fail::new(format!("cannot run rustc: {error}")))
}

/// Builds a listing's binary and returns the executable cargo made.
fn build(root: &Path, path: &OsString, listing: &str, name: &str) -> Result<PathBuf, Fail> {
    let mut build = cmd::cargo(
        root,
        &[
            "build",
            "--quiet",
            "--message-format=json-render-diagnostics",
            "-p",
            listing,
            "--bin",
            name,
        ],
    );
    build.env("PATH", path);
    let finished = cmd::capture(&mut build, BUILD_LIMIT)?;
    if !finished.success() {
        return Err(Fail::new(format!(
            "`cargo build -p {listing} --bin {name}` failed: {}\n{}",
            finished.describe(),
            finished.stderr
        )));
    }
    finished
        .stdout
        .lines()
        .filter(|line| line.contains("\"reason\":\"compiler-artifact\""))
        .filter_map(|line| {
            let at = line.find("\"executable\":\"")? + "\"executable\":\"".len();
            html::json_string_at(&line[at..])
        })
        .map(PathBuf::from)
        .find(|file| file.file_name().is_some_and(|file| file == name))
        .ok_or_else(|| Fail::new(format!("cargo built no executable for {listing}'s {name}")))
}

/// `text` as one word for `sh`.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::shell_quoted;

    #[test]
    fn quotes_a_path_for_the_shell() {
        assert_eq!(shell_quoted("/a b/x"), "'/a b/x'");
        assert_eq!(shell_quoted("it's"), r"'it'\''s'");
    }
}
