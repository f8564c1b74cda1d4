//! Measures one OS-thread hand-off: two threads pass a byte back and forth,
//! each blocking until the other answers. Run with `--via channel` to pass it
//! through `std::sync::mpsc` channels instead of pipes.

use ch01_blocking_read::handoff::{self, Placement, Report};
use ch01_blocking_read::harness::args::Args;
use ch01_blocking_read::harness::machine;
use ch01_blocking_read::harness::units::grouped;
use ch01_blocking_read::sys;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("handoff: {message}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: placements
/// Both threads on one CPU, then on two CPUs (if we may use two).
fn placements() -> Result<Vec<(String, Placement)>, String> {
    let cpus =
        sys::allowed_cpus().map_err(|e| format!("sched_getaffinity: {e}"))?;
    let mut placements = Vec::new();
    if let Some(&first) = cpus.first() {
        placements
            .push((format!("same CPU ({first})"), Placement::SameCpu(first)));
    }
    if let [first, second, ..] = cpus[..] {
        placements.push((
            format!("different CPUs ({first}, {second})"),
            Placement::DifferentCpus(first, second),
        ));
    }
    Ok(placements)
}
// ANCHOR_END: placements

/// What the two threads pass the byte through.
#[derive(Clone, Copy)]
enum Via {
    Pipe,
    Channel,
}

fn run() -> Result<(), String> {
    let args = Args::parse(std::env::args().skip(1), &["rounds", "via"])?;
    let rounds: u64 = args.get_or("rounds", 100_000)?;
    let via = match args.get_or("via", "pipe".to_string())?.as_str() {
        "pipe" => Via::Pipe,
        "channel" => Via::Channel,
        other => {
            return Err(format!("--via {other}: expected `pipe` or `channel`"));
        }
    };
    println!("{}", machine::line());
    let medium = match via {
        Via::Pipe => "two pipes",
        Via::Channel => "two channels",
    };
    println!(
        "{rounds} round trips through {medium}, {} one-way hand-offs each:",
        2 * rounds
    );
    println!(
        "{:<24}{:>14}{:>14}{:>14}",
        "", "time per", "voluntary", "involuntary"
    );
    println!(
        "{:<24}{:>14}{:>28}",
        "", "hand-off", "switches per hand-off"
    );
    for (label, placement) in placements()? {
        let report = match via {
            Via::Pipe => {
                let pipes =
                    handoff::pipe_pair().map_err(|e| format!("pipe: {e}"))?;
                handoff::ping_pong(pipes, rounds, placement)
            }
            Via::Channel => {
                handoff::ping_pong(handoff::channel_pair(), rounds, placement)
            }
        };
        let report =
            report.map_err(|e| format!("ping-pong on {label}: {e}"))?;
        print_report(&label, &report);
    }
    Ok(())
}

fn print_report(label: &str, report: &Report) {
    println!(
        "  {label:<22}{:>11} ns{:>12} %{:>12} %",
        grouped(report.ns_per_hand_off(), 1),
        grouped(report.voluntary_percent(), 1),
        grouped(report.involuntary_percent(), 1),
    );
}
