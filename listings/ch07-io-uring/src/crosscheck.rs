//! Checks the program's own system-call counters against `strace -c -f`:
//! a server runs in a child process under strace, the measuring client
//! talks to it, and then both counts are set side by side.
//!
//! The child is a copy of a binary that serves when given [`SERVE_FLAG`]
//! (see [`serve_if_asked`]): it prints `listening on ADDR`, serves until
//! its standard input closes, then prints its counters, one
//! `counted NAME N` line each, and exits, which makes strace write its
//! summary.

use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::bench::{self, Bench};
use crate::compare::Server;
use crate::count::{self, Syscall};
use crate::driver::Submit;
use crate::event_loop;
use crate::launch::bind;
use crate::uring_loop::{self, Config};

/// What a binary is given to run as the child.
pub const SERVE_FLAG: &str = "--serve";

fn name(server: Server) -> &'static str {
    match server {
        Server::Epoll => "epoll",
        Server::Uring(Submit::Batched) => "batched",
        Server::Uring(Submit::EachAtOnce) => "each",
    }
}

/// The names strace gives each counted call on this machine: glibc's
/// `recv` and `send` are the `recvfrom` and `sendto` system calls, and on
/// aarch64 `epoll_wait` is `epoll_pwait`.
pub fn strace_names(call: Syscall) -> &'static [&'static str] {
    match call {
        Syscall::EpollWait => &["epoll_wait", "epoll_pwait"],
        Syscall::EpollCtl => &["epoll_ctl"],
        Syscall::Recv => &["recvfrom"],
        Syscall::Send => &["sendto"],
        Syscall::UringSetup => &["io_uring_setup"],
        Syscall::UringEnter => &["io_uring_enter"],
        Syscall::UringRegister => &["io_uring_register"],
    }
}

// ANCHOR: child
/// In a child started by [`check`]: serve, and never return.
pub fn serve_if_asked() -> Option<io::Result<()>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [flag, kind] = args.as_slice() else {
        return None;
    };
    if flag != SERVE_FLAG {
        return None;
    }
    let server = Server::ALL.into_iter().find(|&s| name(s) == kind)?;
    Some(serve(server))
}

fn serve(server: Server) -> io::Result<()> {
    let listener = bind("127.0.0.1:0")?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    let until_stdin_closes = || {
        for line in io::stdin().lock().lines() {
            line?;
        }
        Ok::<_, io::Error>(())
    };
    match server {
        Server::Epoll => {
            let running = event_loop::spawn(listener)?;
            until_stdin_closes()?;
            running.stop()?;
        }
        Server::Uring(submit) => {
            let config = Config {
                submit,
                ..Config::default()
            };
            let running = uring_loop::spawn(listener, config)?;
            until_stdin_closes()?;
            running.stop()?;
        }
    }
    let counts = count::snapshot();
    for call in Syscall::ALL {
        println!("counted {} {}", call.name(), counts.get(call));
    }
    Ok(())
}
// ANCHOR_END: child

/// One system call, counted both ways.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    pub call: Syscall,
    pub counted: u64,
    pub traced: u64,
}

// ANCHOR: check
/// Runs `server` as a child of `exe` under `strace -c -f`, puts `bench`
/// on it, and returns both counts of every system call either counted.
pub fn check(
    exe: &Path,
    server: Server,
    bench: &Bench,
) -> io::Result<Vec<Agreement>> {
    let summary = std::env::temp_dir().join(format!(
        "strace-{}-{}.txt",
        std::process::id(),
        name(server)
    ));
    let mut child = Command::new("strace")
        .args(["-f", "-c", "-o"])
        .arg(&summary)
        .arg(exe)
        .args([SERVE_FLAG, name(server)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().transpose()?.unwrap_or_default();
    let addr = first
        .strip_prefix("listening on ")
        .and_then(|addr| addr.parse().ok())
        .ok_or_else(|| io::Error::other(format!("child said {first:?}")))?;
    let measured = bench::run(addr, bench, || {});
    drop(child.stdin.take()); // the child stops serving
    let mut counted = Vec::new();
    for line in lines {
        let line = line?;
        let mut words = line.split_whitespace().skip(1);
        if let (Some(name), Some(n)) = (words.next(), words.next()) {
            counted.push((name.to_string(), n.parse::<u64>().unwrap_or(0)));
        }
    }
    let status = child.wait()?;
    measured?;
    let traced = std::fs::read_to_string(&summary)?;
    let _ = std::fs::remove_file(&summary);
    if !status.success() {
        return Err(io::Error::other(format!("the child ended: {status}")));
    }
    Ok(Syscall::ALL
        .into_iter()
        .map(|call| Agreement {
            call,
            counted: counted
                .iter()
                .find(|(name, _)| name == call.name())
                .map_or(0, |&(_, n)| n),
            traced: strace_names(call)
                .iter()
                .map(|name| calls_in(&traced, name))
                .sum(),
        })
        .filter(|a| a.counted > 0 || a.traced > 0)
        .collect())
}

/// The `calls` column of `name`'s row in a `strace -c` summary.
fn calls_in(summary: &str, name: &str) -> u64 {
    summary
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|fields| fields.last() == Some(&name) && fields.len() >= 5)
        // % time, seconds, usecs/call, calls, [errors,] syscall
        .map(|fields| fields[3].parse::<u64>().unwrap_or(0))
        .sum()
}
// ANCHOR_END: check

/// A small load, enough to count: strace slows every system call.
pub fn small_bench() -> Bench {
    Bench {
        connections: 50,
        messages: 20,
        message_size: 64,
        threads: 4,
        timeout: Duration::from_secs(10),
    }
}

/// Whether strace can run here.
pub fn strace_missing() -> Option<String> {
    match Command::new("strace").arg("-V").output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!("strace -V failed: {}", out.status)),
        Err(e) => Some(format!("strace is not installed ({e})")),
    }
}
