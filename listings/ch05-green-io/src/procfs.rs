//! Readers of `/proc`: a process's memory and thread count, its memory maps,
//! its open descriptors, and kernel-wide figures from `/proc/meminfo`.

use std::fs;
use std::io;

/// The fields of `/proc/<pid>/status` the measurements use.
#[derive(Clone, Copy, Debug)]
pub struct Status {
    /// `VmRSS`: pages in physical memory now, in KiB.
    pub rss_kib: u64,
    /// `VmSize`: address space reserved, in KiB.
    pub size_kib: u64,
    /// `VmPTE`: page tables, in KiB.
    pub page_tables_kib: u64,
    /// `Threads`: threads in the process.
    pub threads: u64,
}

/// Reads `/proc/<pid>/status`; `pid` may be `"self"`.
pub fn status(pid: &str) -> io::Result<Status> {
    let text = fs::read_to_string(format!("/proc/{pid}/status"))?;
    Ok(Status {
        rss_kib: field(&text, "VmRSS:")?,
        size_kib: field(&text, "VmSize:")?,
        page_tables_kib: field(&text, "VmPTE:")?,
        threads: field(&text, "Threads:")?,
    })
}

/// The number of memory maps (lines of `/proc/<pid>/maps`): the count
/// `vm.max_map_count` limits.
pub fn map_count(pid: &str) -> io::Result<u64> {
    Ok(fs::read_to_string(format!("/proc/{pid}/maps"))?
        .lines()
        .count() as u64)
}

/// The number of descriptors this process has open.
pub fn open_fds() -> io::Result<u64> {
    // `read_dir` holds one descriptor of its own while it lists the others.
    Ok(fs::read_dir("/proc/self/fd")?.count() as u64 - 1)
}

/// A field of `/proc/meminfo` in KiB, e.g. `"KernelStack:"`.
pub fn meminfo_kib(name: &str) -> io::Result<u64> {
    field(&fs::read_to_string("/proc/meminfo")?, name)
}

/// A one-number `/proc/sys` file, e.g. `"kernel/threads-max"`.
pub fn sysctl(path: &str) -> io::Result<u64> {
    let text = fs::read_to_string(format!("/proc/sys/{path}"))?;
    text.trim().parse().map_err(|_| invalid(path))
}

/// The first number after `name` on the line that starts with it.
fn field(text: &str, name: &str) -> io::Result<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .ok_or_else(|| invalid(name))
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("cannot read {what}"))
}
