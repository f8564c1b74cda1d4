//! CPU time used, from `getrusage`: the whole process's, or the calling
//! thread's. A runtime asleep in `epoll_wait` should add nothing to
//! either.

use std::io;
use std::time::Duration;

/// User and system CPU time of every thread of this process so far.
pub fn process_cpu() -> io::Result<Duration> {
    cpu(libc::RUSAGE_SELF)
}

/// User and system CPU time of the calling thread so far.
pub fn thread_cpu() -> io::Result<Duration> {
    cpu(libc::RUSAGE_THREAD)
}

fn cpu(who: libc::c_int) -> io::Result<Duration> {
    // SAFETY: an all-zero `rusage` is a valid value (integers and timevals).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a live, writable `rusage` for the whole call.
    let ret = unsafe { libc::getrusage(who, &mut usage) };
    crate::sys::cvt(ret)?;
    Ok(timeval(usage.ru_utime) + timeval(usage.ru_stime))
}

fn timeval(tv: libc::timeval) -> Duration {
    let micros = u64::try_from(tv.tv_usec).unwrap_or(0);
    Duration::from_secs(u64::try_from(tv.tv_sec).unwrap_or(0))
        + Duration::from_micros(micros)
}
