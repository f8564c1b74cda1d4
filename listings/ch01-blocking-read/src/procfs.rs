//! Reading the kernel's view of this process from `/proc`.

use std::io;
use std::time::{Duration, Instant};

/// The memory figures of `/proc/self/status` this chapter compares, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// Address space reserved by every mapping of the process.
    pub vm_size_kib: u64,
    /// The part of it backed by physical memory right now.
    pub vm_rss_kib: u64,
    /// Memory the kernel spends on this process's page tables.
    pub vm_pte_kib: u64,
    /// Number of threads in the process.
    pub threads: u64,
}

/// Finds `name:` in `/proc`-style text (`VmRSS:   1234 kB`) and returns its
/// first number.
pub fn field(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

fn missing(name: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("no `{name}` line in /proc file"),
    )
}

/// Parses the text of `/proc/<pid>/status`.
pub fn parse_status(text: &str) -> io::Result<Status> {
    let get = |name| field(text, name).ok_or_else(|| missing(name));
    Ok(Status {
        vm_size_kib: get("VmSize")?,
        vm_rss_kib: get("VmRSS")?,
        vm_pte_kib: get("VmPTE")?,
        threads: get("Threads")?,
    })
}

/// This process's [`Status`] now.
pub fn status() -> io::Result<Status> {
    parse_status(&std::fs::read_to_string("/proc/self/status")?)
}

/// A field of `/proc/meminfo`, in KiB (`MemTotal`, `KernelStack`, …).
pub fn meminfo_kib(name: &str) -> io::Result<u64> {
    let text = std::fs::read_to_string("/proc/meminfo")?;
    field(&text, name).ok_or_else(|| missing(name))
}

/// The kernel-side stacks of every thread on the machine, in KiB
/// (`KernelStack` in `/proc/meminfo`). They do not count in any VmRSS.
pub fn kernel_stacks_kib() -> io::Result<u64> {
    meminfo_kib("KernelStack")
}

/// The kernel's overcommit policy (`/proc/sys/vm/overcommit_memory`),
/// described: whether it promises more memory than it has.
pub fn overcommit_mode() -> io::Result<String> {
    let mode = std::fs::read_to_string("/proc/sys/vm/overcommit_memory")?;
    let meaning = match mode.trim() {
        "0" => "heuristic, refuses only what obviously cannot fit",
        "1" => "always, never refuses",
        "2" => "never, refuses beyond swap plus a share of RAM",
        _ => "unknown",
    };
    Ok(format!("{} ({meaning})", mode.trim()))
}

/// The scheduler state letter of a `/proc/<pid>/task/<tid>/stat` line:
/// `R` running, `S` asleep (interruptible), `D` asleep (uninterruptible)…
///
/// The command name in parentheses may itself contain `)` or spaces, so we
/// look after the last `)`.
pub fn parse_stat_state(stat: &str) -> Option<char> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().next()?.chars().next()
}

/// The scheduler state of one of this process's threads.
pub fn thread_state(tid: libc::pid_t) -> io::Result<char> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat"))?;
    parse_stat_state(&stat).ok_or_else(|| missing("state"))
}

/// How many of `tids` the scheduler has put to sleep (state `S`).
pub fn count_asleep(tids: &[libc::pid_t]) -> io::Result<usize> {
    let mut asleep = 0;
    for &tid in tids {
        if thread_state(tid)? == 'S' {
            asleep += 1;
        }
    }
    Ok(asleep)
}

/// Waits until every one of `tids` is asleep, or fails after `timeout`.
pub fn wait_until_asleep(
    tids: &[libc::pid_t],
    timeout: Duration,
) -> io::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let asleep = count_asleep(tids)?;
        if asleep == tids.len() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let msg = format!(
                "only {asleep} of {} threads fell asleep in time",
                tids.len()
            );
            return Err(io::Error::new(io::ErrorKind::TimedOut, msg));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
