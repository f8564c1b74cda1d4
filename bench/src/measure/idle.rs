//! Memory per idle connection: how much the server's resident memory grows
//! per connection that is open but quiet.
//!
//! Each connection first echoes one byte, so the server has accepted it,
//! started its handler (thread, green thread or task), and that handler
//! has allocated its 4 KiB buffer and wrote to all of it (zeroing it), and
//! now waits in `read` — the state of a keep-alive connection between two
//! requests. The growth of VmRSS divided by the connections is the memory
//! per idle connection; minus the handler's own 4 KiB buffer, it is what
//! the way of running the handler costs (see the report's note).

use std::io;
use std::time::Duration;

use super::{Progress, Samples};
use crate::child::ServerProcess;
use crate::clients::{Opener, source_addresses};
use crate::plan::Plan;
use crate::servers::{Server, Service};
use crate::stats::interleave;

/// How long one connect, write or read may take.
pub const PATIENCE: Duration = Duration::from_secs(5);

pub struct IdleRow {
    pub server: Server,
    /// KiB of VmRSS per idle connection, one per run.
    pub runs: Samples<f64>,
}

pub fn run(plan: &Plan, servers: &[Server]) -> Vec<IdleRow> {
    let mut rows: Vec<IdleRow> = servers
        .iter()
        .map(|&server| IdleRow {
            server,
            runs: Samples::default(),
        })
        .collect();
    let mut progress = Progress::new("idle", plan.rounds * servers.len());
    let indices: Vec<usize> = (0..servers.len()).collect();
    interleave(plan.rounds, &indices, |_round, &i| {
        let server = servers[i];
        match measure(plan, server) {
            Ok(kib) => {
                progress.step(server.name(), &format!("{kib:.1} KiB"));
                rows[i].runs.samples.push(kib);
            }
            Err(e) => {
                progress.step(server.name(), &format!("failed: {e}"));
                rows[i].runs.failures.push(e.to_string());
            }
        }
        Some(())
    });
    rows
}

fn measure(plan: &Plan, server: Server) -> io::Result<f64> {
    let process = ServerProcess::start(server, Service::Echo)?;
    let before = process.status()?;
    let mut opener =
        Opener::new(source_addresses(plan.client_addresses), PATIENCE);
    let clients = (0..plan.idle_connections)
        .map(|_| opener.open_idle(process.addr()))
        .collect::<io::Result<Vec<_>>>()?;
    let after = process.status()?;
    drop(clients); // with a reset each: nothing lingers in TIME_WAIT
    let n = plan.idle_connections.max(1) as f64;
    Ok((after.vm_rss_kib as f64 - before.vm_rss_kib as f64) / n)
}
