//! Helpers for the measuring binaries: the `machine:` line and the
//! descriptor limit. (`procfs`, copied from chapter 3, reads `/proc`.)

use std::io;

use crate::sys::cvt;

/// `machine: x86_64, 2 CPUs, Linux 6.18.44, release build`
pub fn machine_line() -> String {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default();
    // "6.18.44-some-suffix" -> "6.18.44"
    let kernel = kernel.trim().split(['-', '+']).next().unwrap_or("?");
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let arch = std::env::consts::ARCH;
    format!("machine: {arch}, {cpus} CPUs, Linux {kernel}, {build} build")
}

/// Raises the soft limit on open descriptors to the hard limit, as a server
/// should (the soft limit is often 1,024); returns the new limit.
pub fn raise_fd_limit() -> io::Result<u64> {
    set_soft_fd_limit(|hard| hard)
}

/// Lowers the soft limit on open descriptors to `max`, so that a test can
/// run a server out of descriptors on purpose; returns the new limit.
pub fn lower_fd_limit(max: u64) -> io::Result<u64> {
    set_soft_fd_limit(|hard| max.min(hard))
}

/// Sets the soft `RLIMIT_NOFILE` to what `choose` picks given the hard one.
fn set_soft_fd_limit(choose: impl FnOnce(u64) -> u64) -> io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for the kernel to fill in.
    cvt(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) })?;
    limit.rlim_cur = choose(limit.rlim_max);
    // SAFETY: `limit` is a valid rlimit that the kernel only reads.
    cvt(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) })?;
    Ok(limit.rlim_cur)
}
