//! How many idle connections each server holds: open connections (each
//! echoing one byte) until the target is reached or the server stops
//! taking them, and say why it stopped.
//!
//! The connections are held by helper processes (`book-bench --hold …`),
//! not by the bench itself: a process may have only so many descriptors
//! (`ulimit -n`), the same number as the server, so a single client would
//! run out as soon as the server does, and report its own limit instead of
//! the server's. When a holder runs out, the bench starts another.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use ch05_green_io::harness::limits::fd_limit;
use ch05_green_io::harness::procfs;

use super::Progress;
use crate::child::ServerProcess;
use crate::clients::{Opener, echo_one_byte, source_addresses};
use crate::plan::Plan;
use crate::servers::{Server, Service};

/// Failures in a row after which a server counts as full.
const FAILURES_IN_A_ROW: usize = 3;

/// How long one connect, write or read may take. A server that stopped
/// accepting leaves new connections in its backlog, where the echo never
/// comes: each such failure costs this long.
const PATIENCE: Duration = Duration::from_secs(2);

/// Descriptors a holder keeps free for everything else it opens.
const SPARE_FDS: u64 = 64;

pub struct CapacityRow {
    pub server: Server,
    /// Connections open (and echoing) at the end.
    pub held: usize,
    /// Why it stopped there.
    pub stopped: String,
    /// VmRSS growth per held connection, KiB.
    pub rss_per_connection: Option<f64>,
    /// The server's memory maps at the end.
    pub maps: Option<u64>,
    pub took: Duration,
}

pub fn run(plan: &Plan, servers: &[Server]) -> Vec<CapacityRow> {
    let mut progress = Progress::new("max", servers.len());
    servers
        .iter()
        .map(|&server| {
            let row = measure(plan, server, &progress).unwrap_or_else(|e| {
                CapacityRow {
                    server,
                    held: 0,
                    stopped: format!("failed: {e}"),
                    rss_per_connection: None,
                    maps: None,
                    took: Duration::ZERO,
                }
            });
            progress.step(
                server.name(),
                &format!("{} connections; {}", row.held, row.stopped),
            );
            row
        })
        .collect()
}

/// Why a holder stopped opening connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// It opened as many as it was asked to.
    Quota,
    /// It ran out of descriptors itself: another holder can go on.
    OutOfDescriptors,
    /// Every client address is out of ports.
    OutOfPorts(String),
    /// New connections kept failing: the server is full.
    Failing(String),
    /// The time ran out.
    Deadline,
}

impl End {
    fn to_line(&self, held: usize) -> String {
        match self {
            End::Quota => format!("end {held} quota"),
            End::OutOfDescriptors => format!("end {held} fds"),
            End::OutOfPorts(why) => format!("end {held} ports {why}"),
            End::Failing(why) => format!("end {held} failing {why}"),
            End::Deadline => format!("end {held} deadline"),
        }
    }

    /// Reads an `end N KIND [why]` line.
    pub fn parse(line: &str) -> Option<(usize, End)> {
        let mut words = line.strip_prefix("end ")?.splitn(3, ' ');
        let held = words.next()?.parse().ok()?;
        let kind = words.next()?;
        let why = words.next().unwrap_or("").to_string();
        let end = match kind {
            "quota" => End::Quota,
            "fds" => End::OutOfDescriptors,
            "ports" => End::OutOfPorts(why),
            "failing" => End::Failing(why),
            "deadline" => End::Deadline,
            _ => return None,
        };
        Some((held, end))
    }
}

/// A holder child: `book-bench --hold ADDR --count N --sources K
/// --seconds S`. Opens up to N connections, printing `held N` now and then
/// and one `end …` line; then holds them, answering `check` on standard
/// input (does the first connection still echo?) until standard input
/// closes.
pub fn hold(
    addr: SocketAddr,
    count: usize,
    sources: u8,
    seconds: u64,
) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut opener = Opener::new(source_addresses(sources), PATIENCE);
    let mut clients: Vec<TcpStream> = Vec::with_capacity(count);
    let mut out = io::stdout().lock();
    let mut failures = 0;
    let end = loop {
        if clients.len() >= count {
            break End::Quota;
        }
        if Instant::now() > deadline {
            break End::Deadline;
        }
        match opener.open_idle(addr) {
            Ok(stream) => {
                failures = 0;
                clients.push(stream);
                if clients.len().is_multiple_of(1000) {
                    writeln!(out, "held {}", clients.len())?;
                    out.flush()?;
                }
            }
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EMFILE | libc::ENFILE)
                ) =>
            {
                break End::OutOfDescriptors;
            }
            Err(e) if e.kind() == io::ErrorKind::AddrNotAvailable => {
                break End::OutOfPorts(e.to_string());
            }
            Err(e) => {
                failures += 1;
                if failures == FAILURES_IN_A_ROW {
                    break End::Failing(e.to_string());
                }
            }
        }
    };
    writeln!(out, "{}", end.to_line(clients.len()))?;
    out.flush()?;
    for line in io::stdin().lines() {
        if line? == "check" {
            let answer = match clients.first_mut().map(echo_one_byte) {
                Some(Err(e)) => format!("check failed: {e}"),
                _ => "check ok".to_string(),
            };
            writeln!(out, "{answer}")?;
            out.flush()?;
        }
    }
    Ok(()) // the connections close with a reset each
}

/// A running holder; dropping it closes its stdin, so it exits.
struct Holder {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Holder {
    fn start(
        addr: SocketAddr,
        count: usize,
        sources: u8,
        seconds: u64,
    ) -> io::Result<Holder> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["--hold", &addr.to_string()])
            .args(["--count", &count.to_string()])
            .args(["--sources", &sources.to_string()])
            .args(["--seconds", &seconds.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or(io::ErrorKind::BrokenPipe)?;
        Ok(Holder {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        })
    }

    fn next_line(&mut self) -> io::Result<String> {
        self.lines
            .next()
            .unwrap_or_else(|| Err(io::Error::other("the holder ended")))
    }

    /// Does its first connection still echo?
    fn check(&mut self) -> io::Result<String> {
        let stdin = self.stdin.as_mut().ok_or(io::ErrorKind::BrokenPipe)?;
        writeln!(stdin, "check")?;
        stdin.flush()?;
        self.next_line()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

fn measure(
    plan: &Plan,
    server: Server,
    progress: &Progress,
) -> io::Result<CapacityRow> {
    let mut process = ServerProcess::start(server, Service::Echo)?;
    let before = process.status()?;
    let quota = fd_limit()?
        .soft
        .map_or(usize::MAX, |n| n.saturating_sub(SPARE_FDS) as usize);
    let started = Instant::now();
    let mut holders: Vec<Holder> = Vec::new();
    let mut held = 0;
    let note_every = (plan.max_target / 5).max(1000);
    let mut next_note = note_every;
    let stopped = loop {
        let left = plan.max_target - held;
        let seconds = plan.max_time.saturating_sub(started.elapsed());
        if left == 0 {
            break "reached the target".to_string();
        }
        if seconds.is_zero() {
            break format!("gave up after {} s", plan.max_time.as_secs());
        }
        let mut holder = Holder::start(
            process.addr(),
            left.min(quota),
            plan.client_addresses,
            seconds.as_secs().max(1),
        )?;
        let (count, end) = loop {
            let line = holder.next_line()?;
            if let Some(n) = line.strip_prefix("held ") {
                let now = held + n.parse::<usize>().unwrap_or(0);
                if now >= next_note {
                    progress
                        .note(&format!("{}: {now} connections", server.name()));
                    next_note = now + note_every;
                }
            } else if let Some(end) = End::parse(&line) {
                break end;
            }
        };
        held += count;
        holders.push(holder);
        match end {
            End::Quota | End::OutOfDescriptors => continue,
            End::Deadline => {
                break format!("gave up after {} s", plan.max_time.as_secs());
            }
            End::OutOfPorts(why) => break why,
            End::Failing(why) if process.exited() => {
                break format!(
                    "the server died ({why}): {}",
                    process.log().join("; ")
                );
            }
            End::Failing(why) => {
                // Give the thread that reads the server's log a moment to
                // catch up with its last lines on a busy machine.
                std::thread::sleep(Duration::from_millis(300));
                let log = process.log();
                let said = log
                    .iter()
                    .find(|line| !line.starts_with("connection failed"))
                    .or(log.first())
                    .map_or("nothing", String::as_str);
                break format!("new connections fail ({why}); server: {said}");
            }
        }
    };
    let took = started.elapsed();
    let after = process.status().ok();
    let maps = procfs::map_count(&process.pid().to_string()).ok();
    // The first connection must still be served, or "held" means nothing.
    let stopped = match holders.first_mut().map(Holder::check) {
        Some(Ok(answer)) if answer != "check ok" => {
            format!("{stopped}; but the first connection: {answer}")
        }
        Some(Err(e)) => format!("{stopped}; checking the first: {e}"),
        _ => stopped,
    };
    drop(holders);
    let rss_per_connection = after.filter(|_| held > 0).map(|after| {
        (after.vm_rss_kib as f64 - before.vm_rss_kib as f64) / held as f64
    });
    Ok(CapacityRow {
        server,
        held,
        stopped,
        rss_per_connection,
        maps,
        took,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_lines_read_back() {
        let ends = [
            End::Quota,
            End::OutOfDescriptors,
            End::OutOfPorts("all 8 client addresses are out of ports".into()),
            End::Failing("connection reset by peer (os error 104)".into()),
            End::Deadline,
        ];
        for end in ends {
            assert_eq!(End::parse(&end.to_line(42)), Some((42, end)));
        }
        assert_eq!(End::parse("held 1000"), None);
    }
}
