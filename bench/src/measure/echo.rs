//! Messages per second of the 64-byte echo under the book's load client
//! (the listings' `harness::load`).

use std::io;
use std::time::Duration;

use ch05_green_io::harness::load::{self, LoadConfig};
use ch05_green_io::harness::units::grouped;

use super::{Progress, Samples};
use crate::child::ServerProcess;
use crate::plan::Plan;
use crate::servers::{Server, Service};
use crate::stats::interleave;

/// One load run against a fresh server process.
#[derive(Clone, Debug)]
pub struct EchoSample {
    pub messages_per_sec: f64,
    /// The server's CPU time during the run, per message.
    pub cpu_per_message: Duration,
}

pub struct EchoRow {
    pub server: Server,
    pub runs: Samples<EchoSample>,
}

/// The load: `plan.echo` connections × messages of 64 bytes, shared by the
/// client threads, each with one message in flight.
pub fn config(plan: &Plan, addr: std::net::SocketAddr) -> LoadConfig {
    let (connections, messages, threads) = plan.echo;
    LoadConfig {
        connections,
        messages,
        message_size: 64,
        threads,
        ..LoadConfig::new(addr)
    }
}

pub fn run(plan: &Plan, servers: &[Server]) -> Vec<EchoRow> {
    let mut rows: Vec<EchoRow> = servers
        .iter()
        .map(|&server| EchoRow {
            server,
            runs: Samples::default(),
        })
        .collect();
    let mut progress = Progress::new("echo", plan.rounds * servers.len());
    let indices: Vec<usize> = (0..servers.len()).collect();
    interleave(plan.rounds, &indices, |_round, &i| {
        let server = servers[i];
        match measure(plan, server) {
            Ok(sample) => {
                let rate = grouped(sample.messages_per_sec, 0);
                progress.step(server.name(), &format!("{rate} msg/s"));
                rows[i].runs.samples.push(sample);
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

fn measure(plan: &Plan, server: Server) -> io::Result<EchoSample> {
    let process = ServerProcess::start(server, Service::Echo)?;
    let full = config(plan, process.addr());
    // A tenth of the load first, unmeasured.
    let warmup = LoadConfig {
        messages: (full.messages / 10).max(1),
        ..full.clone()
    };
    check(load::run(&warmup))?;
    let before = process.cpu_time()?;
    let summary = check(load::run(&full))?;
    let after = process.cpu_time()?;
    Ok(EchoSample {
        messages_per_sec: summary.messages_per_sec(),
        cpu_per_message: (after.saturating_sub(before))
            .div_f64(summary.messages_echoed.max(1) as f64),
    })
}

fn check(summary: load::LoadSummary) -> io::Result<load::LoadSummary> {
    if summary.errors > 0 {
        return Err(io::Error::other(format!(
            "{} errors, the first: {}",
            summary.errors,
            summary.first_error.unwrap_or_default()
        )));
    }
    Ok(summary)
}
