//! Running other programs: every child gets a deadline, and a child that
//! overstays it is killed together with everything it started.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::Fail;

/// What a finished child printed, and how it ended.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// "exit status 1", "killed by signal 9": for error messages.
    pub fn describe(&self) -> String {
        match (self.status.code(), self.status.signal()) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            _ => "ended in an unknown way".to_string(),
        }
    }
}

/// `program args…` as a shell user would type it, for messages.
pub fn display(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    words.join(" ")
}

/// Runs `command` with its output going straight to ours, so long steps show
/// progress; fails if it does not succeed within `limit`.
pub fn stream(command: &mut Command, limit: Duration) -> Result<(), Fail> {
    let shown = display(command);
    let finished = run(command, limit, false)?;
    if finished.success() {
        Ok(())
    } else {
        Err(Fail::new(format!(
            "`{shown}` failed: {}",
            finished.describe()
        )))
    }
}

/// Runs `command` and returns what it printed, whatever its exit status.
pub fn capture(command: &mut Command, limit: Duration) -> Result<Finished, Fail> {
    run(command, limit, true)
}

fn run(command: &mut Command, limit: Duration, captured: bool) -> Result<Finished, Fail> {
    let shown = display(command);
    if captured {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    // Its own process group, so that a timeout kills the grandchildren too
    // (cargo's test binaries, a server a measurement started).
    command.stdin(Stdio::null()).process_group(0);
    let mut child = command
        .spawn()
        .map_err(|error| Fail::new(format!("cannot start `{shown}`: {error}")))?;
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);

    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                kill_group(child.id());
                let _ = child.wait();
                return Err(Fail::new(format!(
                    "`{shown}` did not finish within {} s and was killed",
                    limit.as_secs()
                )));
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(Fail::new(format!("waiting for `{shown}`: {error}"))),
        }
    };
    let collect = |reader: Option<thread::JoinHandle<String>>| {
        reader
            .map(|handle| handle.join().unwrap_or_default())
            .unwrap_or_default()
    };
    Ok(Finished {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
    })
}

/// Reads a pipe to its end on a thread of its own, so that neither pipe can
/// fill up and stall the child while we wait for the other.
fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stderr(Stdio::null())
        .status();
}

/// Is `program` on the PATH?
pub fn exists(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// `cargo` with the arguments given, run in `dir`.
pub fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(dir).args(args);
    command
}
