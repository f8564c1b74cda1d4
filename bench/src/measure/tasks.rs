//! What a task costs on each async runtime: spawning one, and handing
//! control from one task to another. Each sample runs in a fresh child
//! process (`book-bench --tasks SERVER --spawns N --handoffs N`), so one
//! runtime's grown heap never helps or hinders the next.

use std::io;
use std::process::Command;
use std::time::Duration;

use super::{Progress, Samples};
use crate::child::output_within;
use crate::plan::Plan;
use crate::servers::Server;
use crate::stats::interleave;

/// Nanoseconds per spawn and per hand-off, from one child.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskSample {
    pub spawn_ns: f64,
    pub handoff_ns: f64,
}

pub struct TaskRow {
    pub server: Server,
    pub runs: Samples<TaskSample>,
}

pub fn run(plan: &Plan, servers: &[Server]) -> Vec<TaskRow> {
    let servers: Vec<Server> =
        servers.iter().copied().filter(|s| s.runs_tasks()).collect();
    let mut rows: Vec<TaskRow> = servers
        .iter()
        .map(|&server| TaskRow {
            server,
            runs: Samples::default(),
        })
        .collect();
    let mut progress = Progress::new("tasks", plan.rounds * servers.len());
    let indices: Vec<usize> = (0..servers.len()).collect();
    interleave(plan.rounds, &indices, |_round, &i| {
        let server = servers[i];
        match measure(plan, server) {
            Ok(sample) => {
                progress.step(
                    server.name(),
                    &format!(
                        "spawn {:.0} ns, hand-off {:.0} ns",
                        sample.spawn_ns, sample.handoff_ns
                    ),
                );
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

fn measure(plan: &Plan, server: Server) -> io::Result<TaskSample> {
    // A full sample takes seconds; minutes mean a lost wake-up.
    let output = output_within(
        Command::new(std::env::current_exe()?)
            .args(["--tasks", server.name()])
            .args(["--spawns", &plan.spawns.to_string()])
            .args(["--handoffs", &plan.handoffs.to_string()]),
        Duration::from_secs(120),
    )?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    parse(&text).ok_or_else(|| io::Error::other(format!("said {text:?}")))
}

/// What a `--tasks` child prints.
pub fn format(sample: TaskSample) -> String {
    format!(
        "spawn_ns {}\nhandoff_ns {}\n",
        sample.spawn_ns, sample.handoff_ns
    )
}

/// Reads what [`format()`] wrote.
pub fn parse(text: &str) -> Option<TaskSample> {
    let value = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
    };
    Some(TaskSample {
        spawn_ns: value("spawn_ns ")?,
        handoff_ns: value("handoff_ns ")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_child_prints_reads_back() {
        let sample = TaskSample {
            spawn_ns: 342.5,
            handoff_ns: 116.25,
        };
        assert_eq!(parse(&format(sample)), Some(sample));
        assert_eq!(parse("spawn_ns 1\n"), None);
    }
}
