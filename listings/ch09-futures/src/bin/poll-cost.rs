//! What one poll costs: a future that waits many times, driven to the end,
//! timed, divided by the number of polls; the median of five runs. Usage:
//! `poll-cost [--polls N]` (per run; default 5,000,000).

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::process::ExitCode;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use ch09_futures::harness::{args::Args, machine, units::grouped};
use ch09_futures::yield_now::yield_now;

/// A hand-written future that is `Pending` `left` times, then `Ready`.
struct Countdown {
    left: u64,
}

impl Future for Countdown {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.left == 0 {
            return Poll::Ready(());
        }
        self.left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

// ANCHOR: yielding
/// An `async fn` that steps aside `times` times.
async fn yield_times(times: u64) {
    for _ in 0..times {
        yield_now().await;
    }
}
// ANCHOR_END: yielding

// ANCHOR: time_polls
/// Polls `future` to the end, as `block_on` does, but as an executor
/// would: through a pointer to a future whose type it does not know (and
/// through `black_box`, so that the optimiser cannot see through it
/// either). Returns the number of polls and the nanoseconds each took.
fn time_polls(future: impl Future<Output = ()>) -> (u64, f64) {
    let mut future: Pin<&mut dyn Future<Output = ()>> = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0u64;
    let start = Instant::now();
    loop {
        polls += 1;
        if black_box(future.as_mut()).poll(&mut cx).is_ready() {
            break;
        }
    }
    let elapsed = start.elapsed();
    (polls, elapsed.as_nanos() as f64 / polls as f64)
}
// ANCHOR_END: time_polls

/// Runs `time_polls` on five fresh futures from `make`; returns the
/// number of polls of one run and the median time per poll.
fn median_of_five<F: Future<Output = ()>>(make: impl Fn() -> F) -> (u64, f64) {
    let mut runs: Vec<(u64, f64)> =
        (0..5).map(|_| time_polls(make())).collect();
    runs.sort_by(|a, b| a.1.total_cmp(&b.1));
    runs[2]
}

fn report(what: &str, (polls, ns): (u64, f64)) {
    println!(
        "  {what:<40} {} polls, {} ns per poll",
        grouped(polls as f64, 0),
        grouped(ns, 1)
    );
}

fn main() -> ExitCode {
    let args = match Args::from_env(&["polls"]) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let polls: u64 = match args.get_or("polls", 5_000_000) {
        Ok(polls) => polls,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let times = polls.saturating_sub(1);
    println!("{}", machine::line());
    println!(
        "one future, driven to the end by a block_on loop, median of 5 runs:"
    );
    report(
        "hand-written, Pending then Ready",
        median_of_five(|| Countdown { left: times }),
    );
    report(
        "async fn, yield_now().await in a loop",
        median_of_five(|| yield_times(times)),
    );
    ExitCode::SUCCESS
}
