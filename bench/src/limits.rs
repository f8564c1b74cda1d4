//! The descriptor limit, raised as far as this process may: every idle
//! connection costs one descriptor in the server and one in the bench.

use std::io;

use ch05_green_io::harness::limits::{get_rlimit, raise_fd_limit, set_rlimit};
use ch05_green_io::harness::procfs;

/// Raises `RLIMIT_NOFILE`, soft and hard, to `fs.nr_open` (the most one
/// process may have) if this process may raise its hard limit (root, or
/// `CAP_SYS_RESOURCE`); otherwise the soft limit to the hard one. Children
/// (the servers) inherit it. Returns the new soft limit and whether it
/// went past the old hard limit.
pub fn raise_descriptor_limit() -> io::Result<(u64, bool)> {
    let old = get_rlimit(libc::RLIMIT_NOFILE)?;
    let nr_open = procfs::sysctl("fs/nr_open").unwrap_or(old.rlim_max);
    if nr_open > old.rlim_max {
        let wanted = libc::rlimit {
            rlim_cur: nr_open,
            rlim_max: nr_open,
        };
        if set_rlimit(libc::RLIMIT_NOFILE, wanted).is_ok() {
            return Ok((nr_open, true));
        }
    }
    Ok((raise_fd_limit()?, false))
}
