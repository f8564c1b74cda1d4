//! Measures one OS-thread hand-off: two threads pass a byte back and forth,
//! each blocking until the other answers. Run with `--via channel` to pass it
//! through `std::sync::mpsc` channels instead of pipes.
//!
//! First, in the same run, it times the calls without any waiting: a bare
//! system call, and the `send` + `recv` of a hand-off on one thread that
//! gets its own byte back at once. The difference is what sleeping and
//! waking costs.

use ch01_blocking_read::handoff::{self, Placement, Report};
use ch01_blocking_read::harness::args::Args;
use ch01_blocking_read::harness::machine;
use ch01_blocking_read::harness::units::grouped;
use ch01_blocking_read::interrupts::{self, Ipis};
use ch01_blocking_read::sys;
use std::process::ExitCode;
use std::time::Duration;

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
    without_waiting(via, rounds)?;
    let medium = match via {
        Via::Pipe => "two pipes",
        Via::Channel => "two channels",
    };
    println!(
        "\nwith waiting: {rounds} round trips through {medium}, {} one-way \
         hand-offs each",
        2 * rounds
    );
    for (label, placement) in placements()? {
        let ipis_before = interrupts::ipis().ok();
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
        let ipis_after = interrupts::ipis().ok();
        let report =
            report.map_err(|e| format!("ping-pong on {label}: {e}"))?;
        let ipis = ipis_before.zip(ipis_after).map(|(b, a)| a.since(b));
        print_report(&label, &report, ipis);
    }
    Ok(())
}

/// Times the calls of a hand-off on one thread, pinned where the same-CPU
/// ping-pong runs, with nothing to wait for.
fn without_waiting(via: Via, rounds: u64) -> Result<(), String> {
    let cpu = *sys::allowed_cpus()
        .map_err(|e| format!("sched_getaffinity: {e}"))?
        .first()
        .ok_or("no CPU allowed")?;
    let calls = std::thread::spawn(move || {
        handoff::pinned(Some(cpu), || {
            let syscall = handoff::bare_system_calls(rounds);
            let pair = match via {
                Via::Pipe => {
                    handoff::without_waiting(handoff::pipe_loopback()?, rounds)
                }
                Via::Channel => handoff::without_waiting(
                    handoff::channel_loopback(),
                    rounds,
                ),
            }?;
            Ok((syscall, pair))
        })
    });
    let ((syscall, pair), _) = handoff::join_thread(calls)
        .map_err(|e| format!("calls without waiting: {e}"))?;
    let pair_label = match via {
        Via::Pipe => "write 1 byte to a pipe, read it back",
        Via::Channel => "send 1 byte on a channel, receive it back",
    };
    println!("without waiting: one thread on CPU {cpu}, {rounds} times each");
    let ns = |total: Duration| {
        grouped(total.as_nanos() as f64 / rounds.max(1) as f64, 1)
    };
    println!("  getppid(), one bare system call: {} ns", ns(syscall));
    println!("  {pair_label}: {} ns", ns(pair));
    Ok(())
}

/// One placement's figures, one per line, each value right after its name
/// (so that a longer number does not shift the others).
fn print_report(label: &str, report: &Report, ipis: Option<Ipis>) {
    println!("{label}:");
    println!(
        "  time per hand-off: {} ns",
        grouped(report.ns_per_hand_off(), 1)
    );
    println!(
        "  context switches per hand-off: {} % voluntary, {} % involuntary",
        grouped(report.voluntary_percent(), 1),
        grouped(report.involuntary_percent(), 1),
    );
    let ipis = ipis.map_or("unknown".to_string(), |ipis| {
        let percent = |count: u64| {
            grouped(100.0 * count as f64 / report.hand_offs.max(1) as f64, 1)
        };
        format!(
            "{} % rescheduling, {} % function call",
            percent(ipis.rescheduling),
            percent(ipis.function_call)
        )
    });
    println!("  IPIs per hand-off (whole machine): {ipis}");
}
