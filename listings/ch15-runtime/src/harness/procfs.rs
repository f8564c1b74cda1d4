//! Readers of `/proc`: a process's memory and threads, its memory maps and
//! descriptors, the scheduler state of a thread, and machine-wide figures.

use std::fs;
use std::io;
use std::time::{Duration, Instant};

/// The fields of `/proc/<pid>/status` the measurements use, in KiB where
/// they are sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// `VmSize`: address space reserved by every mapping, touched or not.
    pub vm_size_kib: u64,
    /// `VmRSS`: the part of it in physical memory now.
    pub vm_rss_kib: u64,
    /// `VmPTE`: memory the kernel spends on this process's page tables.
    pub vm_pte_kib: u64,
    /// `Threads`: threads in the process.
    pub threads: u64,
}

/// Parses the text of a `/proc/<pid>/status` file.
pub fn parse_status(text: &str) -> io::Result<Status> {
    Ok(Status {
        vm_size_kib: field(text, "VmSize")?,
        vm_rss_kib: field(text, "VmRSS")?,
        vm_pte_kib: field(text, "VmPTE")?,
        threads: field(text, "Threads")?,
    })
}

/// Reads `/proc/<pid>/status`; `pid` may be `"self"`.
pub fn status(pid: &str) -> io::Result<Status> {
    parse_status(&fs::read_to_string(format!("/proc/{pid}/status"))?)
}

/// The number of memory maps (lines of `/proc/<pid>/maps`): the count
/// `vm.max_map_count` limits.
pub fn map_count(pid: &str) -> io::Result<u64> {
    let maps = fs::read_to_string(format!("/proc/{pid}/maps"))?;
    Ok(maps.lines().count() as u64)
}

/// The number of descriptors this process has open.
pub fn open_fds() -> io::Result<u64> {
    // `read_dir` holds one descriptor of its own while it lists the others.
    Ok(fs::read_dir("/proc/self/fd")?.count() as u64 - 1)
}

/// A field of `/proc/meminfo` in KiB: `MemTotal`, `KernelStack`, …
pub fn meminfo_kib(name: &str) -> io::Result<u64> {
    field(&fs::read_to_string("/proc/meminfo")?, name)
}

/// The kernel-side stacks of every thread on the machine, in KiB
/// (`KernelStack` in `/proc/meminfo`). They count in no process's VmRSS.
pub fn kernel_stacks_kib() -> io::Result<u64> {
    meminfo_kib("KernelStack")
}

/// A one-number `/proc/sys` file, e.g. `"kernel/threads-max"`.
pub fn sysctl(path: &str) -> io::Result<u64> {
    let text = fs::read_to_string(format!("/proc/sys/{path}"))?;
    text.trim().parse().map_err(|_| invalid(path))
}

/// The kernel's overcommit policy (`vm.overcommit_memory`), described:
/// whether it promises more memory than it has.
pub fn overcommit_mode() -> io::Result<String> {
    let mode = fs::read_to_string("/proc/sys/vm/overcommit_memory")?;
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
/// The command name in parentheses may itself contain `)` or spaces, so the
/// state is read after the last `)`.
pub fn parse_stat_state(stat: &str) -> Option<char> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().next()?.chars().next()
}

/// The scheduler state of one of this process's threads.
pub fn thread_state(tid: libc::pid_t) -> io::Result<char> {
    let stat = fs::read_to_string(format!("/proc/self/task/{tid}/stat"))?;
    parse_stat_state(&stat).ok_or_else(|| invalid("state"))
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

/// The first number after `name:` on the line that starts with it
/// (`VmRSS:   1234 kB` → 1234).
pub fn field(text: &str, name: &str) -> io::Result<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .ok_or_else(|| invalid(name))
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("cannot read {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_fields() {
        let text = "Name:\tx\nVmSize:\t  2048 kB\nVmRSS:\t 512 kB\n\
                    VmPTE:\t 12 kB\nThreads:\t3\n";
        let status = parse_status(text).unwrap();
        assert_eq!(status.vm_size_kib, 2048);
        assert_eq!(status.vm_rss_kib, 512);
        assert_eq!(status.vm_pte_kib, 12);
        assert_eq!(status.threads, 3);
        assert!(parse_status("VmSize: 1 kB\n").is_err());
        // `VmRSSx:` is not `VmRSS:`.
        assert!(field("VmRSSx: 1 kB\n", "VmRSS").is_err());
    }

    #[test]
    fn reads_the_state_after_the_last_parenthesis() {
        assert_eq!(parse_stat_state("42 (a) b) S 1 2 3"), Some('S'));
        assert_eq!(parse_stat_state("no parenthesis"), None);
    }

    #[test]
    fn reads_this_process() {
        let status = status("self").unwrap();
        assert!(status.vm_rss_kib > 0 && status.threads >= 1);
        assert!(map_count("self").unwrap() > 0);
        assert!(open_fds().unwrap() >= 3);
        assert!(meminfo_kib("MemTotal").unwrap() > 0);
    }
}
