//! Running out of threads on purpose, so the limits demo fails at a known
//! point. (Reading, raising and lowering the descriptor limit is the
//! harness's job: [`crate::harness::limits`].)

use std::io;

use crate::harness::limits::{get_rlimit, set_rlimit};
use crate::harness::procfs;

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
    let in_use = procfs::status("self")?.vm_size_kib * 1024;
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
