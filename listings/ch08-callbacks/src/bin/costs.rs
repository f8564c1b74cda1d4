//! What the callback loop costs: timer lateness with and without a flood of
//! socket events, the pool's round trip, one callback, one round.
//! Usage: `costs [--timers 500] [--flood 16] [--jobs 2000]`.

use std::process::ExitCode;
use std::time::Duration;

use ch08_callbacks::event_loop::POOL_SIZE;
use ch08_callbacks::harness::{args::Args, machine};
use ch08_callbacks::measure::{
    self, FRACTIONS, Lateness, WHOLE_MS, percentiles,
};

fn main() -> ExitCode {
    let parsed = Args::from_env(&["timers", "flood", "jobs"]).and_then(|a| {
        Ok((
            a.get_or("timers", 500usize)?,
            a.get_or("flood", 16usize)?,
            a.get_or("jobs", 2000usize)?,
        ))
    });
    let (timers, flood, jobs) = match parsed {
        Ok(parsed) => parsed,
        Err(usage) => {
            eprintln!("costs: {usage}");
            return ExitCode::FAILURE;
        }
    };
    match run(timers, flood, jobs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("costs: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(timers: usize, flood: usize, jobs: usize) -> std::io::Result<()> {
    println!("{}", machine::line());
    println!("{timers} timers, each set by the callback of the one before:");
    let whole = measure::timer_lateness(timers, &WHOLE_MS, 0)?;
    report("delays of 1 to 5 ms, no other work", &whole);
    let quiet = measure::timer_lateness(timers, &FRACTIONS, 0)?;
    report("delays of 0.3 to 4.2 ms, no other work", &quiet);
    let busy = measure::timer_lateness(timers, &FRACTIONS, flood)?;
    report(
        &format!("delays of 0.3 to 4.2 ms, {flood} connections flooding"),
        &busy,
    );
    let rate = busy.flood_callbacks as f64 / busy.elapsed.as_secs_f64();
    println!(
        "    (meanwhile the flood's readable callbacks ran {} /s)",
        grouped(rate)
    );

    println!("the pool ({POOL_SIZE} threads), an empty job:");
    let mut trips = measure::pool_round_trips(jobs)?;
    let p = percentiles(&mut trips);
    println!(
        "  spawn_blocking to its callback, {jobs} one after another: p50 {}, p99 {}",
        us(p.p50),
        us(p.p99)
    );

    println!("the loop itself:");
    let each = measure::immediate_cost(100_000)?;
    println!("  an immediate callback: {:.0} ns", each.as_nanos());
    let round = measure::round_cost(100_000)?;
    println!("  a round with nothing to wait for: {}", us(round));
    Ok(())
}

fn report(what: &str, lateness: &Lateness) {
    let mut late = lateness.late.clone();
    let p = percentiles(&mut late);
    println!("  {what}:");
    println!(
        "    late by p50 {}, p99 {}, max {}; fired early: {}",
        ms(p.p50),
        ms(p.p99),
        ms(p.max),
        lateness.early
    );
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn grouped(x: f64) -> String {
    ch08_callbacks::harness::units::grouped(x, 0)
}
