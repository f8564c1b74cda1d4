//! io_uring by hand: the kernel's structures ([`abi`]) and the rings
//! ([`ring`]). This layer knows system calls and shared memory, nothing
//! about connections or who owns a buffer.
//!
//! Not every Linux has io_uring: kernels before 5.1 lack it, it can be
//! switched off (`kernel.io_uring_disabled`, Linux 6.6), and container
//! runtimes often block it with a seccomp filter. [`unavailable`] says why
//! it cannot be used here, so that a program can say so and stop cleanly.

pub mod abi;
pub mod ring;

pub use abi::{Cqe, Sqe};
pub use ring::{Full, Ring};

/// The operations this chapter submits, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Nop,
    Accept,
    Recv,
    Send,
    Read,
    Timeout,
    Cancel,
}

// ANCHOR: unavailable
/// The operations this chapter submits.
const NEEDED: [(u8, &str); 6] = [
    (abi::OP_NOP, "NOP"),
    (abi::OP_ACCEPT, "ACCEPT"),
    (abi::OP_RECV, "RECV"),
    (abi::OP_SEND, "SEND"),
    (abi::OP_ASYNC_CANCEL, "ASYNC_CANCEL"),
    (abi::OP_TIMEOUT, "TIMEOUT"),
];

/// Why this process cannot use io_uring as this chapter does, or `None`
/// if it can.
pub fn unavailable() -> Option<String> {
    let disabled =
        std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled")
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok());
    let ring = match Ring::new(2) {
        Ok(ring) => ring,
        Err(e) => {
            let why = match e.raw_os_error() {
                Some(libc::ENOSYS) => "this kernel has no io_uring",
                Some(libc::EPERM) if disabled == Some(2) => {
                    "kernel.io_uring_disabled is 2"
                }
                Some(libc::EPERM) if disabled == Some(1) => {
                    "kernel.io_uring_disabled is 1 and this process is not \
                     in kernel.io_uring_group"
                }
                Some(libc::EPERM) => {
                    "a security policy forbids it (a seccomp filter, as \
                     container runtimes install)"
                }
                _ => "io_uring_setup failed",
            };
            return Some(format!("{why} ({e})"));
        }
    };
    let features = ring.features();
    if features & abi::FEAT_NODROP == 0 || features & abi::FEAT_FAST_POLL == 0 {
        return Some("the kernel is older than 5.7".into());
    }
    for (op, name) in NEEDED {
        match ring.supports(op) {
            Ok(true) => {}
            Ok(false) => return Some(format!("the kernel lacks {name}")),
            Err(e) => return Some(format!("cannot probe opcodes ({e})")),
        }
    }
    None
}
// ANCHOR_END: unavailable
