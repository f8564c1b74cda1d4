//! Exercise 1: a recv linked to its send. For messages of a known size, a
//! recv that waits for the whole message (`MSG_WAITALL`) can be linked to
//! the send that echoes it (`IOSQE_IO_LINK`): the kernel starts the send
//! when the recv has succeeded, and fails it with `-ECANCELED` when the
//! recv has not. Both go in with one submission, and user space does
//! nothing between them.

use std::io;
use std::os::fd::RawFd;

use crate::driver::{Driver, IoBuf, Kind, Submit};
use crate::poll::Token;
use crate::uring::Sqe;
use crate::uring::abi;

// ANCHOR: pair
/// Receives exactly `len` bytes into `buf`, then sends them back: two
/// linked operations, one submission. Returns the recv's token and the
/// send's; the buffer comes back with the send's completion.
pub fn recv_then_send<B: IoBuf>(
    driver: &mut Driver<B>,
    owner: Token,
    fd: RawFd,
    mut buf: B,
    len: usize,
) -> io::Result<(Token, Token)> {
    assert!(len <= buf.size());
    // One operation per submission would split the link.
    assert_eq!(driver.submit_mode(), Submit::Batched, "links need batching");
    let addr = buf.stable_ptr() as u64;
    let len = u32::try_from(len).expect("a message under 4 GiB");
    let recv = Sqe {
        opcode: abi::OP_RECV,
        flags: abi::IOSQE_IO_LINK,
        fd,
        addr,
        len,
        op_flags: libc::MSG_WAITALL as u32,
        ..Sqe::default()
    };
    let send = Sqe {
        opcode: abi::OP_SEND,
        fd,
        addr,
        len,
        op_flags: libc::MSG_NOSIGNAL as u32,
        ..Sqe::default()
    };
    // A link must not be split across two submissions: make room for
    // both first, so that neither push submits (or fails).
    let ring = driver.ring();
    if ring.sq_entries() - ring.unsubmitted() < 2 {
        driver.submit()?;
    }
    // SAFETY: both SQEs point into `buf`, which the send's entry holds.
    // The kernel starts the send only once the recv has completed, and
    // fails it only once the recv has failed: by the send's completion,
    // the recv is done with the buffer too.
    let recv = unsafe { driver.start_raw(owner, Kind::Recv, recv, None)? };
    let send = unsafe { driver.start_raw(owner, Kind::Send, send, Some(buf))? };
    Ok((recv, send))
}
// ANCHOR_END: pair

/// What [`echo_frames`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Echoed {
    /// Frames echoed whole.
    pub frames: usize,
    /// Bytes of a last, incomplete frame, which were not echoed.
    pub partial: usize,
}

// ANCHOR: echo_frames
/// Echoes `frame`-byte messages on `fd` until the peer stops sending.
pub fn echo_frames(
    driver: &mut Driver,
    fd: RawFd,
    frame: usize,
) -> io::Result<Echoed> {
    let mut echoed = Echoed {
        frames: 0,
        partial: 0,
    };
    let mut buf = vec![0; frame];
    loop {
        let (recv, send) = recv_then_send(driver, Token(0), fd, buf, frame)?;
        let (mut received, mut sent) = (None, None);
        while received.is_none() || sent.is_none() {
            driver.wait()?;
            while let Some(done) = driver.reap() {
                if done.op == recv {
                    received = Some(done.result);
                } else if done.op == send {
                    sent = Some((done.result, done.buf));
                }
            }
        }
        let (sent, back) = sent.expect("both completions are in");
        buf = back.expect("the send hands the buffer back");
        match (received.expect("both are in"), sent) {
            (Ok(n), Ok(_)) if n as usize == frame => echoed.frames += 1,
            // A short recv failed the link: the send never ran.
            (Ok(n), Err(e)) if e.raw_os_error() == Some(libc::ECANCELED) => {
                echoed.partial = n as usize;
                return Ok(echoed);
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
            (Ok(n), Ok(_)) => {
                return Err(io::Error::other(format!("a short frame: {n}")));
            }
        }
    }
}
// ANCHOR_END: echo_frames
