//! A server running as a child process, so that its descriptors, threads and
//! memory are its own and can be read from `/proc/<pid>/status`.

use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::procfs::{self, Status};
use crate::launch::{SERVE_FLAG, ServerOptions};

/// How long a server may take to print `listening on ADDR`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running server process; dropping it kills the process and waits for it.
pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    log: Option<Receiver<String>>,
}

impl ServerProcess {
    /// Starts a copy of the current executable as a server (see
    /// [`launch::serve_if_asked`](crate::launch::serve_if_asked)). With
    /// `capture_log`, its standard error is read by [`next_log_line`](Self::next_log_line);
    /// otherwise it goes to ours.
    pub fn start_self(
        options: &ServerOptions,
        capture_log: bool,
    ) -> io::Result<Self> {
        let mut command = Command::new(std::env::current_exe()?);
        command.arg(SERVE_FLAG).args(options.to_args());
        Self::start(command, capture_log)
    }

    /// Starts `command`, which must print `listening on ADDR` first.
    pub fn start(mut command: Command, capture_log: bool) -> io::Result<Self> {
        close_inherited_fds_on_exec()?;
        let stderr = if capture_log {
            Stdio::piped()
        } else {
            Stdio::inherit()
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()?;
        let stdout = child.stdout.take().map(lines);
        let log = child.stderr.take().map(lines);
        let mut server = ServerProcess {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
        };
        // On error, `server` is dropped here, which kills the child.
        let first = stdout
            .ok_or_else(|| io::Error::other("no stdout"))?
            .recv_timeout(START_TIMEOUT)
            .map_err(|_| {
                io::Error::other("the server did not say where it listens")
            })?;
        server.addr = first
            .strip_prefix("listening on ")
            .and_then(|addr| addr.parse().ok())
            .ok_or_else(|| {
                io::Error::other(format!("unexpected first line {first:?}"))
            })?;
        Ok(server)
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's `/proc/<pid>/status`.
    pub fn status(&self) -> io::Result<Status> {
        procfs::status(&self.child.id().to_string())
    }

    /// The number of the server's memory maps.
    pub fn map_count(&self) -> io::Result<u64> {
        procfs::map_count(&self.child.id().to_string())
    }

    /// Polls until the server has exactly `threads` threads.
    pub fn wait_for_threads(
        &self,
        threads: u64,
        timeout: Duration,
    ) -> io::Result<Status> {
        let deadline = Instant::now() + timeout;
        loop {
            let status = self.status()?;
            if status.threads == threads {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "server has {} threads, expected {threads}",
                        status.threads
                    ),
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The next line the server wrote to standard error.
    pub fn next_log_line(&self, timeout: Duration) -> io::Result<String> {
        let log = self
            .log
            .as_ref()
            .ok_or_else(|| io::Error::other("the log is not captured"))?;
        log.recv_timeout(timeout).map_err(|e| match e {
            RecvTimeoutError::Timeout => {
                io::Error::new(io::ErrorKind::TimedOut, "no log line")
            }
            RecvTimeoutError::Disconnected => {
                io::ErrorKind::UnexpectedEof.into()
            }
        })
    }

    /// Waits for the server to exit by itself.
    pub fn wait_for_exit(
        &mut self,
        timeout: Duration,
    ) -> io::Result<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the server is still running",
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills the server, waits for it, and returns what it logged but nobody read.
    pub fn stop(mut self) -> Vec<String> {
        self.kill();
        // The reader thread ends at end of file, closing the channel.
        self.log
            .take()
            .map_or_else(Vec::new, |log| log.iter().collect())
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Marks every descriptor above standard error close-on-exec. Rust opens its
/// own that way, but this process may have inherited others from whatever
/// started it (a shell, a CI runner); the server should start with exactly
/// stdin, stdout and stderr, so its descriptor counts do not depend on that.
fn close_inherited_fds_on_exec() -> io::Result<()> {
    let fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&fd| fd > 2)
        .collect();
    for fd in fds {
        // SAFETY: F_SETFD only changes the flags of descriptor `fd`; if `fd`
        // was the directory listing's own, now closed, the call fails with
        // EBADF, which is ignored.
        unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    Ok(())
}

/// Reads `source` line by line on a thread of its own, into a channel.
fn lines(source: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(source).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}
