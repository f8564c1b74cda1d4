//! Resource limits: raising the descriptor limit as a server should, and
//! lowering limits on purpose so the limits demo fails at a known point.

use std::io;

use crate::procfs;

/// The type `getrlimit` takes a resource as (it differs between C libraries).
#[cfg(target_env = "gnu")]
pub type Resource = libc::__rlimit_resource_t;
/// The type `getrlimit` takes a resource as (it differs between C libraries).
#[cfg(not(target_env = "gnu"))]
pub type Resource = libc::c_int;

/// A soft and a hard limit; `None` means unlimited.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

/// `getrlimit(2)`: the soft (`rlim_cur`) and hard (`rlim_max`) limit.
pub fn get_rlimit(resource: Resource) -> io::Result<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable `rlimit` for the call to fill in.
    if unsafe { libc::getrlimit(resource, &mut limit) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(limit)
}

/// `setrlimit(2)`.
pub fn set_rlimit(resource: Resource, limit: libc::rlimit) -> io::Result<()> {
    // SAFETY: `limit` is a valid `rlimit` that the call only reads.
    if unsafe { libc::setrlimit(resource, &limit) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn finite(value: libc::rlim_t) -> Option<u64> {
    (value != libc::RLIM_INFINITY).then_some(value)
}

/// `ulimit -n`: the descriptor limit.
pub fn fd_limit() -> io::Result<Limit> {
    let limit = get_rlimit(libc::RLIMIT_NOFILE)?;
    Ok(Limit {
        soft: finite(limit.rlim_cur),
        hard: finite(limit.rlim_max),
    })
}

/// `ulimit -u`: the limit on processes (threads count too) of this user.
pub fn process_limit() -> io::Result<Limit> {
    let limit = get_rlimit(libc::RLIMIT_NPROC)?;
    Ok(Limit {
        soft: finite(limit.rlim_cur),
        hard: finite(limit.rlim_max),
    })
}

// ANCHOR: raise_fd_limit
/// Raises the soft descriptor limit to the hard one, as servers do at start:
/// the soft limit is often far lower than what the process may use.
/// Returns the new soft limit.
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut limit = get_rlimit(libc::RLIMIT_NOFILE)?;
    limit.rlim_cur = limit.rlim_max;
    set_rlimit(libc::RLIMIT_NOFILE, limit)?;
    Ok(limit.rlim_cur)
}
// ANCHOR_END: raise_fd_limit

/// Lowers the soft descriptor limit to `max`, like `ulimit -Sn max`.
pub fn lower_fd_limit(max: u64) -> io::Result<()> {
    let mut limit = get_rlimit(libc::RLIMIT_NOFILE)?;
    limit.rlim_cur = max;
    set_rlimit(libc::RLIMIT_NOFILE, limit)
}

/// The room `RLIMIT_AS` leaves for one more connection thread beyond its
/// stack: a guard page, and Rust's signal stack with its own guard page.
pub const PER_THREAD_EXTRA: u64 = 64 << 10;

// ANCHOR: limit_threads
/// Limits the address space (`RLIMIT_AS`) so that exactly `threads` more
/// threads with `stack_size`-byte stacks fit. The next `pthread_create` then
/// fails to map a stack and `thread::Builder::spawn` returns `Err`.
///
/// This stands in for running out of threads: `RLIMIT_NPROC` would be the
/// natural limit, but the kernel does not enforce it for root. Returns the
/// new limit in bytes.
pub fn limit_threads_by_address_space(
    threads: u64,
    stack_size: u64,
) -> io::Result<u64> {
    // glibc gives threads that call malloc their own arenas, each reserving
    // 64 MiB of address space; that would eat the room meant for stacks.
    #[cfg(target_env = "gnu")]
    // SAFETY: `mallopt` only sets an allocator parameter; M_ARENA_MAX takes
    // any positive count, and a return of 0 (not applied) is harmless here.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    let in_use = procfs::status("self")?.size_kib * 1024;
    let per_thread = stack_size + PER_THREAD_EXTRA;
    // Half a stack of slack for the heap to grow: enough for the small
    // allocations a connection makes, too little for one more stack.
    let max = in_use + threads * per_thread + stack_size / 2;
    let mut limit = get_rlimit(libc::RLIMIT_AS)?;
    limit.rlim_cur = max;
    set_rlimit(libc::RLIMIT_AS, limit)?;
    Ok(max)
}
// ANCHOR_END: limit_threads
