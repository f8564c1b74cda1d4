//! Servers in child processes: each server runs alone in a copy of the
//! bench binary (`book-bench --serve SERVER --service http --addr
//! 127.0.0.1:0`), so its CPU time and memory are its own to read from
//! `/proc/<pid>`, and one server's leftovers (threads, memory, sockets)
//! never weigh on the next.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ch05_green_io::harness::procfs::{self, Status};

use crate::proc;
use crate::servers::{self, Server, Service};

/// How long a server may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Lines of a server's standard error kept for the report.
const LOG_LINES: usize = 50;

/// A server child's job: `--serve SERVER --service S --addr A`. A
/// [`ServerProcess`] is a copy of the program that starts it, so every
/// binary of this crate that starts servers answers `--serve` with this.
pub fn serve(args: &[String]) -> io::Result<()> {
    let bad = |what| io::Error::new(io::ErrorKind::InvalidInput, what);
    let server = value(args, "--serve")
        .and_then(Server::from_name)
        .ok_or_else(|| bad("--serve needs a server name"))?;
    let service = value(args, "--service")
        .and_then(Service::from_name)
        .ok_or_else(|| bad("--service needs http or echo"))?;
    let addr = value(args, "--addr")
        .unwrap_or("127.0.0.1:0")
        .parse()
        .map_err(|_| bad("--addr needs an address"))?;
    servers::serve(server, service, addr)
}

/// The value after `flag` in `args`.
pub fn value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let at = args.iter().position(|a| a == flag)?;
    args.get(at + 1).map(String::as_str)
}

/// `name`'s path, if it is a file in a directory of the `PATH`: the tools
/// the bench runs (wrk, perf) are looked for before a run, so that a
/// missing one is named with how to install it.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|file| file.is_file())
}

/// Tells the bench where the server listens: the first line of a server
/// child's standard output.
pub fn announce(addr: SocketAddr) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "listening on {addr}")?;
    out.flush()
}

/// A server child process; dropping it kills the process and waits for it.
pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `server` serving `service` on a free loopback port, in a copy
    /// of this program.
    pub fn start(server: Server, service: Service) -> io::Result<Self> {
        Self::start_from(&std::env::current_exe()?, server, service)
    }

    /// The same, with `bench` (the `book-bench` executable) as the server.
    pub fn start_from(
        bench: &std::path::Path,
        server: Server,
        service: Service,
    ) -> io::Result<Self> {
        let mut command = Command::new(bench);
        command.args([
            "--serve",
            server.name(),
            "--service",
            service.name(),
            "--addr",
            "127.0.0.1:0",
        ]);
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().map(lines);
        let log = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            keep_log(stderr, Arc::clone(&log));
        }
        let mut process = ServerProcess {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
        };
        // On an error, `process` is dropped here, which kills the child.
        let first = stdout
            .ok_or_else(|| io::Error::other("no stdout"))?
            .recv_timeout(START_TIMEOUT)
            .map_err(|_| {
                io::Error::other(format!(
                    "{} did not say where it listens: {}",
                    server.name(),
                    process.log().join("; ")
                ))
            })?;
        process.addr = first
            .strip_prefix("listening on ")
            .and_then(|addr| addr.parse().ok())
            .ok_or_else(|| {
                io::Error::other(format!("unexpected first line {first:?}"))
            })?;
        Ok(process)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time the server has used, all its threads, user and kernel.
    pub fn cpu_time(&self) -> io::Result<Duration> {
        proc::cpu_time(self.pid())
    }

    /// The server's `/proc/<pid>/status` (memory, threads).
    pub fn status(&self) -> io::Result<Status> {
        procfs::status(&self.pid().to_string())
    }

    /// The first lines the server wrote to its standard error.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Has it exited (crashed, or stopped by itself)?
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` to its end, like `Command::output`, but kills it if it
/// takes longer than `limit`: a stuck measurement fails instead of hanging
/// the bench.
pub fn output_within(
    command: &mut Command,
    limit: Duration,
) -> io::Result<Output> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let read_all = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read_all(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read_all(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("still running after {} s; killed", limit.as_secs()),
            ));
        }
        thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
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

/// Keeps the first [`LOG_LINES`] lines of `source` in `log`, of which at
/// most a few failed connections (a flood of those must not hide the line
/// that says why the server stopped taking more), and reads (and drops)
/// the rest, so the server never blocks on a full pipe.
fn keep_log(source: impl Read + Send + 'static, log: Arc<Mutex<Vec<String>>>) {
    thread::spawn(move || {
        let mut failed_connections = 0;
        for line in BufReader::new(source).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("connection failed") {
                failed_connections += 1;
                if failed_connections > 5 {
                    continue;
                }
            }
            let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
            if log.len() < LOG_LINES {
                log.push(line);
            }
        }
    });
}
