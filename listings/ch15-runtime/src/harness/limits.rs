//! Resource limits: reading them for the `machine:` lines, raising the
//! descriptor limit as a server should, lowering it so a test or a demo runs
//! out of descriptors at a known point.

use std::io;

/// The type `getrlimit` takes a resource as (it differs between C libraries).
#[cfg(target_env = "gnu")]
pub type Resource = libc::__rlimit_resource_t;
/// The type `getrlimit` takes a resource as (it differs between C libraries).
#[cfg(not(target_env = "gnu"))]
pub type Resource = libc::c_int;

/// A soft and a hard limit; `None` means unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// A limit of `resource` as numbers, `None` for unlimited.
pub fn limit(resource: Resource) -> io::Result<Limit> {
    let finite = |value| (value != libc::RLIM_INFINITY).then_some(value);
    let limit = get_rlimit(resource)?;
    Ok(Limit {
        soft: finite(limit.rlim_cur),
        hard: finite(limit.rlim_max),
    })
}

/// `ulimit -n`: the descriptor limit.
pub fn fd_limit() -> io::Result<Limit> {
    limit(libc::RLIMIT_NOFILE)
}

/// `ulimit -u`: the limit on processes (threads count too) of this user.
pub fn process_limit() -> io::Result<Limit> {
    limit(libc::RLIMIT_NPROC)
}

// ANCHOR: raise_fd_limit
/// Raises the soft descriptor limit to the hard one, as servers do at start:
/// the soft limit is often far lower than what the process may use.
/// Returns the new soft limit.
pub fn raise_fd_limit() -> io::Result<u64> {
    set_soft_fd_limit(|hard| hard)
}
// ANCHOR_END: raise_fd_limit

/// Lowers the soft descriptor limit to `max` (never above the hard limit),
/// like `ulimit -Sn max`; returns the new soft limit.
pub fn lower_fd_limit(max: u64) -> io::Result<u64> {
    set_soft_fd_limit(|hard| max.min(hard))
}

/// Sets the soft `RLIMIT_NOFILE` to what `choose` picks given the hard one.
fn set_soft_fd_limit(choose: impl FnOnce(u64) -> u64) -> io::Result<u64> {
    let mut limit = get_rlimit(libc::RLIMIT_NOFILE)?;
    limit.rlim_cur = choose(limit.rlim_max);
    set_rlimit(libc::RLIMIT_NOFILE, limit)?;
    Ok(limit.rlim_cur)
}
