//! How many idle connections each server holds: open connections (each
//! echoing one byte) until the target is reached or the server stops
//! taking them, and say why it stopped.

use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ch05_green_io::harness::procfs;

use super::Progress;
use super::idle::PATIENCE;
use crate::child::ServerProcess;
use crate::clients::{Opener, echo_one_byte, source_addresses};
use crate::plan::Plan;
use crate::servers::{Server, Service};

/// Failures in a row after which a server counts as full.
const FAILURES_IN_A_ROW: usize = 10;

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

fn measure(
    plan: &Plan,
    server: Server,
    progress: &Progress,
) -> io::Result<CapacityRow> {
    let mut process = ServerProcess::start(server, Service::Echo)?;
    let before = process.status()?;
    let mut opener =
        Opener::new(source_addresses(plan.client_addresses), PATIENCE);
    let mut clients: Vec<TcpStream> = Vec::with_capacity(plan.max_target);
    let started = Instant::now();
    let step = (plan.max_target / 5).max(1);
    let mut failures = 0;
    let stopped = loop {
        if clients.len() >= plan.max_target {
            break "reached the target".to_string();
        }
        if started.elapsed() > plan.max_time {
            break format!("gave up after {} s", plan.max_time.as_secs());
        }
        if process.exited() {
            break format!("the server died: {}", process.log().join("; "));
        }
        match opener.open_idle(process.addr()) {
            Ok(stream) => {
                failures = 0;
                clients.push(stream);
                if clients.len() % step == 0 {
                    progress.note(&format!(
                        "{}: {} connections",
                        server.name(),
                        clients.len()
                    ));
                }
            }
            Err(e) if out_of_descriptors(&e) => {
                break format!("the bench itself is out of descriptors: {e}");
            }
            Err(e) if e.kind() == io::ErrorKind::AddrNotAvailable => {
                break e.to_string();
            }
            Err(e) => {
                failures += 1;
                if failures == FAILURES_IN_A_ROW {
                    let said = process.log();
                    let said = said
                        .iter()
                        .find(|line| !line.starts_with("connection failed"))
                        .map_or("nothing", String::as_str);
                    break format!(
                        "new connections fail ({e}); the server said: {said}"
                    );
                }
            }
        }
    };
    let took = started.elapsed();
    let after = process.status().ok();
    let maps = procfs::map_count(&process.pid().to_string()).ok();
    // The first connection must still be served, or "held" means nothing.
    let stopped = match clients.first_mut().map(echo_one_byte) {
        Some(Err(e)) => format!("{stopped}; but the first connection: {e}"),
        _ => stopped,
    };
    let held = clients.len();
    drop(clients); // with a reset each: nothing lingers in TIME_WAIT
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

fn out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}
