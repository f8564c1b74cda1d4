//! What the process uses right now: resident memory, threads and how often
//! its threads went to sleep.

use std::io;
use std::time::{Duration, Instant};

use crate::harness::procfs;
use crate::sys::cvt;

/// A reading of the process's resource use at one instant.
#[derive(Clone, Copy, Debug)]
pub struct Snapshot {
    pub at: Instant,
    /// `VmRSS`: pages of the process in physical memory, in KiB.
    pub resident_kib: u64,
    /// Threads the process has.
    pub threads: u64,
    /// Times any thread gave up the CPU because it had to wait (`ru_nvcsw`),
    /// counting threads that have exited.
    pub voluntary_switches: u64,
    /// CPU time all threads used so far, in user space and in the kernel.
    pub cpu: Duration,
}

/// Takes a snapshot of the calling process.
pub fn snapshot() -> io::Result<Snapshot> {
    let status = procfs::status("self")?;
    let usage = resource_usage()?;
    Ok(Snapshot {
        at: Instant::now(),
        resident_kib: status.vm_rss_kib,
        threads: status.threads,
        voluntary_switches: u64::try_from(usage.ru_nvcsw)
            .map_err(io::Error::other)?,
        cpu: duration(usage.ru_utime) + duration(usage.ru_stime),
    })
}

fn resource_usage() -> io::Result<libc::rusage> {
    // SAFETY: `rusage` is plain old data; all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage` for getrusage to fill in.
    cvt(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) })?;
    Ok(usage)
}

fn duration(time: libc::timeval) -> Duration {
    let seconds = u64::try_from(time.tv_sec).unwrap_or(0);
    let micros = u64::try_from(time.tv_usec).unwrap_or(0);
    Duration::from_secs(seconds) + Duration::from_micros(micros)
}
