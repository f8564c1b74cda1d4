//! The stack sizes a thread gets without asking: glibc's default for
//! `pthread_create` comes from `RLIMIT_STACK`, and the main thread's stack
//! is mapped far smaller than that limit.

use ch01_blocking_read::harness::limits;
use ch01_blocking_read::stack;

#[test]
fn pthread_default_follows_the_stack_limit() {
    let default = stack::pthread_default_stack_size().unwrap() as u64;
    match limits::limit(libc::RLIMIT_STACK).unwrap().soft {
        // glibc rounds the limit up to whole pages and to a minimum far
        // below 1 MiB.
        Some(soft) if soft >= 1 << 20 => {
            // SAFETY: sysconf has no preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
            assert_eq!(default, soft.next_multiple_of(page), "{soft}");
        }
        // Unlimited (or tiny): an architecture default instead.
        _ => assert!(default > 0),
    }
}

#[test]
fn the_main_stack_is_mapped_smaller_than_its_limit() {
    let mapped_kib = stack::main_stack_mapped_kib().unwrap();
    assert!(mapped_kib > 0);
    if let Some(soft) = limits::limit(libc::RLIMIT_STACK).unwrap().soft {
        assert!(mapped_kib * 1024 <= soft, "{mapped_kib} KiB mapped");
    }
}
