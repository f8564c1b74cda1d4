//! A server in a child process, so that its memory and threads are its own
//! and can be read from `/proc/<pid>/status`. Killed when dropped.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::harness::procfs::{self, Status};

/// How long a server may take to print `listening on ADDR`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `command`, which must print `listening on ADDR` first. Its
    /// standard error goes to ours.
    pub fn start(mut command: Command) -> io::Result<ServerProcess> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (line_tx, line_rx) = mpsc::channel();
        // A thread reads the first line, so a server that never says
        // anything cannot hang us; it ends when the child's stdout closes.
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = line_tx.send(lines.next());
            for _ in lines {} // keep draining, so the child never blocks
        });
        let first = line_rx.recv_timeout(START_TIMEOUT);
        let addr = match &first {
            Ok(Some(Ok(line))) => line
                .strip_prefix("listening on ")
                .and_then(|addr| addr.parse().ok()),
            _ => None,
        };
        match addr {
            Some(addr) => Ok(ServerProcess { child, addr }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(io::Error::other(format!(
                    "the server did not say where it listens: {first:?}"
                )))
            }
        }
    }

    /// Starts a copy of the running program with `args`.
    pub fn start_self(args: &[&str]) -> io::Result<ServerProcess> {
        let mut command = Command::new(std::env::current_exe()?);
        command.args(args);
        ServerProcess::start(command)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's `/proc/<pid>/status`.
    pub fn status(&self) -> io::Result<Status> {
        procfs::status(&self.child.id().to_string())
    }

    /// The number of the server's memory maps.
    pub fn map_count(&self) -> io::Result<u64> {
        procfs::map_count(&self.child.id().to_string())
    }

    /// CPU time the server has used, user and system together.
    pub fn cpu_time(&self) -> io::Result<Duration> {
        let path = format!("/proc/{}/stat", self.child.id());
        let stat = std::fs::read_to_string(path)?;
        // Fields 14 and 15 (utime, stime), counted after the `)` that
        // ends the command name, which may itself contain spaces.
        let after_name = &stat[stat.rfind(')').unwrap_or(0) + 1..];
        let ticks: u64 = after_name
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|field| field.parse::<u64>().ok())
            .sum();
        // SAFETY: sysconf only reads a configuration value.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1);
        Ok(Duration::from_secs_f64(ticks as f64 / per_second as f64))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
