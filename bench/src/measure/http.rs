//! Requests per second, latency and CPU time per request of the hello-world
//! server under wrk.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use ch05_green_io::harness::units::grouped;

use super::{Progress, Samples};
use crate::child::ServerProcess;
use crate::plan::Plan;
use crate::servers::{Server, Service};
use crate::stats::interleave;
use crate::wrk;

/// One wrk run against a fresh server process.
#[derive(Clone, Debug)]
pub struct HttpSample {
    pub requests_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// The server's CPU time (user + system, all threads) during the run,
    /// divided by the requests wrk completed.
    pub cpu_per_request: Duration,
    /// Socket errors and non-2xx replies wrk counted.
    pub errors: u64,
}

/// One row of the table: a server at one number of connections.
pub struct HttpRow {
    pub server: Server,
    pub connections: usize,
    pub runs: Samples<HttpSample>,
}

pub fn run(plan: &Plan, servers: &[Server], wrk: &PathBuf) -> Vec<HttpRow> {
    let items: Vec<(Server, usize)> = servers
        .iter()
        .flat_map(|&s| plan.wrk_connections.iter().map(move |&c| (s, c)))
        .collect();
    let mut rows: Vec<HttpRow> = items
        .iter()
        .map(|&(server, connections)| HttpRow {
            server,
            connections,
            runs: Samples::default(),
        })
        .collect();
    let mut progress = Progress::new("http", plan.rounds * items.len());
    let indices: Vec<usize> = (0..items.len()).collect();
    interleave(plan.rounds, &indices, |_round, &i| {
        let (server, connections) = items[i];
        let what = format!("{}, {connections} connections", server.name());
        match measure(plan, wrk, server, connections) {
            Ok(sample) => {
                let rate = grouped(sample.requests_per_sec, 0);
                progress.step(&what, &format!("{rate} req/s"));
                rows[i].runs.samples.push(sample);
            }
            Err(e) => {
                progress.step(&what, &format!("failed: {e}"));
                rows[i].runs.failures.push(e.to_string());
            }
        }
        Some(())
    });
    rows
}

fn measure(
    plan: &Plan,
    wrk: &PathBuf,
    server: Server,
    connections: usize,
) -> io::Result<HttpSample> {
    let process = ServerProcess::start(server, Service::Http)?;
    let addr = process.addr();
    let threads = plan.wrk_threads;
    if let Some(warmup) = plan.wrk_warmup {
        wrk::run(wrk, addr, threads, connections, warmup)?;
    }
    let before = process.cpu_time()?;
    let result = wrk::run(wrk, addr, threads, connections, plan.wrk_duration)?;
    let after = process.cpu_time()?;
    if result.requests == 0 {
        return Err(io::Error::other(format!(
            "no request completed; the server said: {}",
            process.log().join("; ")
        )));
    }
    Ok(HttpSample {
        requests_per_sec: result.requests_per_sec,
        p50: result.p50,
        p99: result.p99,
        cpu_per_request: (after.saturating_sub(before))
            .div_f64(result.requests as f64),
        errors: result.socket_errors + result.non_2xx,
    })
}
