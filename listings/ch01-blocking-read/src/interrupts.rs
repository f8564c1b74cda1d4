//! Interrupts one CPU sends another. A thread woken for another CPU needs
//! that CPU to notice, and the kernel tells it in one of two ways. If the
//! CPU is idle, the waker usually queues the wake-up on that CPU's own
//! list and sends a *function-call* inter-processor interrupt (IPI) that
//! makes it finish the wake-up itself; if the CPU is busy with another
//! thread, the waker puts the woken thread on its run queue and sends a
//! *rescheduling* IPI so that it reconsiders what to run. A CPU that is
//! still spinning in its idle loop, watching a flag, needs neither.

use std::io;

/// What `/proc/interrupts` calls the two lines: `RES` and `CAL` on
/// x86-64, `IPI0` and `IPI1` on aarch64.
const RESCHEDULING: &str = "Rescheduling interrupts";
const FUNCTION_CALL: &str = "Function call interrupts";

/// IPIs received so far by all CPUs together, machine-wide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipis {
    pub rescheduling: u64,
    pub function_call: u64,
}

impl Ipis {
    /// What arrived between `earlier` and `self`.
    pub fn since(self, earlier: Ipis) -> Ipis {
        Ipis {
            rescheduling: self.rescheduling - earlier.rescheduling,
            function_call: self.function_call - earlier.function_call,
        }
    }
}

/// Reads both counts from `/proc/interrupts`.
pub fn ipis() -> io::Result<Ipis> {
    let text = std::fs::read_to_string("/proc/interrupts")?;
    parse_ipis(&text)
        .ok_or_else(|| io::Error::other("no IPI counts in /proc/interrupts"))
}

/// Both counts, each summed over the CPUs; `None` if a line is missing.
pub fn parse_ipis(text: &str) -> Option<Ipis> {
    Some(Ipis {
        rescheduling: sum_line(text, RESCHEDULING)?,
        function_call: sum_line(text, FUNCTION_CALL)?,
    })
}

/// Sums the per-CPU counts of the line of `/proc/interrupts` that ends
/// with `name`.
fn sum_line(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.trim_end().ends_with(name))?;
    let (_label, counts) = line.split_once(':')?;
    Some(
        counts
            .split_whitespace()
            .map_while(|word| word.parse::<u64>().ok())
            .sum(),
    )
}
