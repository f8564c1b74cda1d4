//! Interrupts one CPU sends another: a thread woken for a CPU that is idle,
//! or busy with something less urgent, needs that CPU to notice, and the
//! waker's CPU tells it with a *rescheduling* inter-processor interrupt (IPI).

use std::io;

/// What `/proc/interrupts` calls them: the `RES` line on x86-64, `IPI0`
/// on aarch64.
const RESCHEDULING: &str = "Rescheduling interrupts";

/// Rescheduling IPIs received so far by all CPUs together, machine-wide.
pub fn rescheduling_interrupts() -> io::Result<u64> {
    let text = std::fs::read_to_string("/proc/interrupts")?;
    parse_rescheduling(&text).ok_or_else(|| {
        io::Error::other("no rescheduling interrupts in /proc/interrupts")
    })
}

/// Sums the per-CPU counts of the rescheduling line of `/proc/interrupts`.
pub fn parse_rescheduling(text: &str) -> Option<u64> {
    let line = text
        .lines()
        .find(|line| line.trim_end().ends_with(RESCHEDULING))?;
    let (_label, counts) = line.split_once(':')?;
    Some(
        counts
            .split_whitespace()
            .map_while(|word| word.parse::<u64>().ok())
            .sum(),
    )
}
