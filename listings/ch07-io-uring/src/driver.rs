//! The driver: the ring plus a table of the operations in flight, which
//! owns every buffer the kernel is working with until the kernel says it
//! is done. This is the layer that turns [`Ring::push`]'s `unsafe`
//! contract into a safe interface.
//!
//! The rules it keeps:
//!
//! - A buffer moves *into* the table when its operation is pushed and
//!   comes *out* only with that operation's completion. Nothing else can
//!   reach it in between, so nothing else can read, write, move or free
//!   it while the kernel may.
//! - Cancelling is a request, not an event: [`Driver::cancel`] submits an
//!   `ASYNC_CANCEL` and the buffer stays in the table until the cancelled
//!   operation's own completion arrives (usually `-ECANCELED`, but it may
//!   have finished first). Both completions are reported.
//! - An owner that no longer wants a result ([`Driver::abandon`], what
//!   dropping a future does) gives up the completion, not the buffer: the
//!   table drops the buffer when the kernel is done with it.
//! - If the driver is dropped with operations still in flight, it cancels
//!   them and waits; whatever the kernel still holds after that is
//!   leaked, never freed.
//!
//! Operations are named by tokens from chapter 6's slab (an index and a
//! generation), which travel through the kernel as `user_data`.

use std::collections::VecDeque;
use std::io;
use std::ops::Range;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use crate::poll::Token;
use crate::slab::Slab;
use crate::trace::{self, Trace};
pub use crate::uring::Kind;
use crate::uring::abi::{self, Sqe, Timespec};
use crate::uring::{Full, Ring};

// ANCHOR: iobuf
/// A buffer that can be handed to the kernel for the length of an
/// operation.
///
/// # Safety
///
/// [`stable_ptr`](IoBuf::stable_ptr) must return the same address every
/// time, pointing to [`size`](IoBuf::size) bytes that stay valid as long
/// as the value lives, *however the value itself is moved*: the driver
/// moves buffers around in its table while the kernel writes into them.
/// Heap storage qualifies; a `[u8; N]` stored inline does not.
///
/// `'static`: nothing borrowed for less than forever is a buffer (see
/// [`refused`](crate::refused) for what the borrow checker then rejects).
pub unsafe trait IoBuf: 'static {
    fn stable_ptr(&mut self) -> *mut u8;
    fn size(&self) -> usize;
}

// SAFETY: a vector's bytes live on the heap; moving the `Vec` moves only
// its pointer, length and capacity. The driver never resizes it.
unsafe impl IoBuf for Vec<u8> {
    fn stable_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }

    fn size(&self) -> usize {
        self.len()
    }
}

// SAFETY: as for `Vec`.
unsafe impl IoBuf for Box<[u8]> {
    fn stable_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }

    fn size(&self) -> usize {
        self.len()
    }
}

// SAFETY: memory borrowed for `'static` is never freed (a leaked buffer,
// a `static`), and the exclusive borrow keeps everyone else out of it.
unsafe impl IoBuf for &'static mut [u8] {
    fn stable_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }

    fn size(&self) -> usize {
        self.len()
    }
}
// ANCHOR_END: iobuf

// ANCHOR: op
/// What the kernel may be using on an operation's behalf.
enum Holds<B> {
    Nothing,
    Buf(B),
    Time { _read_by_kernel: Box<Timespec> },
}

/// One operation in flight.
struct Op<B> {
    owner: Token,
    kind: Kind,
    holds: Holds<B>,
    /// The owner gave up on the result: drop it quietly on completion.
    abandoned: bool,
}

/// An operation's result, with everything the kernel held for it.
#[derive(Debug)]
pub struct Completion<B> {
    pub op: Token,
    pub owner: Token,
    pub kind: Kind,
    /// The completion's `res`: a count, or the error `-res`.
    pub result: io::Result<u32>,
    pub flags: u32,
    /// The buffer, back from the kernel.
    pub buf: Option<B>,
    /// For an accept: the new connection's descriptor, already owned.
    pub accepted: Option<OwnedFd>,
}
// ANCHOR_END: op

/// The owner of the driver's own operations: the timer that bounds a
/// shutdown.
pub const DRIVER: Token = Token(u64::MAX - 2);

/// When pushed operations reach the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submit {
    /// With the next [`Driver::wait`] or [`Driver::submit`]: one system
    /// call for everything pushed since.
    Batched,
    /// At once: one system call per operation.
    EachAtOnce,
}

// ANCHOR: driver
/// The ring and the table of what it is working on.
pub struct Driver<B: IoBuf = Vec<u8>> {
    ring: Ring,
    ops: Slab<Op<B>>,
    submit: Submit,
    /// Completions taken out of the ring to make room, not yet handed out.
    early: VecDeque<abi::Cqe>,
    /// Buffers and bytes the table holds for the kernel now.
    lent: (usize, usize),
    trace: Option<Trace>,
}
// ANCHOR_END: driver

impl<B: IoBuf> Driver<B> {
    /// A driver on a new ring with room for `entries` submissions.
    pub fn new(entries: u32, submit: Submit) -> io::Result<Driver<B>> {
        Ok(Driver::with_ring(Ring::new(entries)?, submit))
    }

    pub fn with_ring(ring: Ring, submit: Submit) -> Driver<B> {
        Driver {
            ring,
            ops: Slab::new(),
            submit,
            early: VecDeque::new(),
            lent: (0, 0),
            trace: None,
        }
    }

    /// Records every push, system call and completion into `trace`.
    pub fn set_trace(&mut self, trace: Trace) {
        self.trace = Some(trace);
    }

    pub fn ring(&self) -> &Ring {
        &self.ring
    }

    /// Operations the kernel has not completed yet.
    pub fn in_flight(&self) -> usize {
        self.ops.len()
    }

    /// Buffers, and their bytes, that the kernel holds now.
    pub fn lent(&self) -> (usize, usize) {
        self.lent
    }
}

// ANCHOR: start
impl<B: IoBuf> Driver<B> {
    pub fn nop(&mut self, owner: Token) -> io::Result<Token> {
        let sqe = Sqe {
            opcode: abi::OP_NOP,
            ..Sqe::default()
        };
        self.start(owner, Kind::Nop, Holds::Nothing, sqe)
    }

    /// Accepts a connection on the listening socket `fd`, which must stay
    /// open until the completion.
    pub fn accept(&mut self, owner: Token, fd: RawFd) -> io::Result<Token> {
        let sqe = Sqe {
            opcode: abi::OP_ACCEPT,
            fd,
            op_flags: libc::SOCK_CLOEXEC as u32,
            ..Sqe::default()
        };
        self.start(owner, Kind::Accept, Holds::Nothing, sqe)
    }

    /// Receives into `buf` from the socket `fd`: the buffer belongs to the
    /// kernel until the completion hands it back.
    pub fn recv(
        &mut self,
        owner: Token,
        fd: RawFd,
        mut buf: B,
    ) -> io::Result<Token> {
        let sqe = Sqe {
            opcode: abi::OP_RECV,
            fd,
            addr: buf.stable_ptr() as u64,
            len: len_u32(buf.size()),
            ..Sqe::default()
        };
        self.start(owner, Kind::Recv, Holds::Buf(buf), sqe)
    }

    /// Sends `buf[range]` on the socket `fd`. The completion says how much
    /// was sent, which may be less than asked.
    pub fn send(
        &mut self,
        owner: Token,
        fd: RawFd,
        mut buf: B,
        range: Range<usize>,
    ) -> io::Result<Token> {
        assert!(range.start <= range.end && range.end <= buf.size());
        let sqe = Sqe {
            opcode: abi::OP_SEND,
            fd,
            addr: buf.stable_ptr().wrapping_add(range.start) as u64,
            len: len_u32(range.len()),
            op_flags: libc::MSG_NOSIGNAL as u32,
            ..Sqe::default()
        };
        self.start(owner, Kind::Send, Holds::Buf(buf), sqe)
    }

    /// Reads into `buf` from any descriptor (a file, an eventfd).
    pub fn read(
        &mut self,
        owner: Token,
        fd: RawFd,
        mut buf: B,
    ) -> io::Result<Token> {
        let sqe = Sqe {
            opcode: abi::OP_READ,
            fd,
            addr: buf.stable_ptr() as u64,
            len: len_u32(buf.size()),
            off: u64::MAX, // -1: the file's position, as read(2) uses
            ..Sqe::default()
        };
        self.start(owner, Kind::Read, Holds::Buf(buf), sqe)
    }

    /// Completes with `-ETIME` after `after`.
    pub fn timeout(
        &mut self,
        owner: Token,
        after: Duration,
    ) -> io::Result<Token> {
        let mut time = Box::new(Timespec {
            tv_sec: after.as_secs() as i64,
            tv_nsec: i64::from(after.subsec_nanos()),
        });
        let sqe = Sqe {
            opcode: abi::OP_TIMEOUT,
            addr: (&raw mut *time) as u64,
            len: 1,
            ..Sqe::default()
        };
        self.start(
            owner,
            Kind::Timeout,
            Holds::Time {
                _read_by_kernel: time,
            },
            sqe,
        )
    }
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
// ANCHOR_END: start

// ANCHOR: push
impl<B: IoBuf> Driver<B> {
    /// Puts the operation into the table, then its SQE into the ring.
    fn start(
        &mut self,
        owner: Token,
        kind: Kind,
        holds: Holds<B>,
        mut sqe: Sqe,
    ) -> io::Result<Token> {
        let bytes = match &holds {
            Holds::Buf(buf) => buf.size(),
            _ => 0,
        };
        let op = self.ops.insert(Op {
            owner,
            kind,
            holds,
            abandoned: false,
        });
        sqe.user_data = op.0;
        if let Err(e) = self.push(&sqe) {
            // The kernel never saw it: the buffer may go.
            self.ops.remove(op);
            return Err(e);
        }
        if bytes > 0 {
            self.lent = (self.lent.0 + 1, self.lent.1 + bytes);
        }
        self.record(|| trace::Event::Pushed { op, owner, kind });
        if self.submit == Submit::EachAtOnce {
            // The operation is in the table and the ring either way: a
            // failed submission leaves its SQE for the next one, and the
            // next `wait` reports the error if it persists.
            let _ = self.submit();
        }
        Ok(op)
    }

    /// A full submission ring is emptied into the kernel, then pushed to
    /// again.
    fn push(&mut self, sqe: &Sqe) -> io::Result<()> {
        loop {
            // SAFETY: everything `sqe` points to is owned by the table
            // entry named by its `user_data` (a heap buffer, a boxed
            // timespec), which stays there until that operation's
            // completion is popped. Descriptors are the caller's: each
            // method's documentation asks to keep them open.
            match unsafe { self.ring.push(sqe) } {
                Ok(()) => return Ok(()),
                Err(Full) => self.submit()?,
            }
        }
    }
}
// ANCHOR_END: push

// ANCHOR: start_raw
impl<B: IoBuf> Driver<B> {
    /// Starts an operation from an SQE built by the caller, with `buf` (if
    /// any) held in the table until the operation's completion. For
    /// operations this driver has no method for.
    ///
    /// # Safety
    ///
    /// Everything `sqe` points to must stay valid until its completion:
    /// inside `buf`, or in memory the caller guarantees outlives it.
    pub unsafe fn start_raw(
        &mut self,
        owner: Token,
        kind: Kind,
        sqe: Sqe,
        buf: Option<B>,
    ) -> io::Result<Token> {
        let holds = buf.map_or(Holds::Nothing, Holds::Buf);
        self.start(owner, kind, holds, sqe)
    }

    /// When pushed operations reach the kernel.
    pub fn submit_mode(&self) -> Submit {
        self.submit
    }
}
// ANCHOR_END: start_raw

// ANCHOR: submit
impl<B: IoBuf> Driver<B> {
    /// Hands everything pushed to the kernel, without waiting.
    pub fn submit(&mut self) -> io::Result<()> {
        if self.ring.unsubmitted() == 0 {
            return Ok(()); // nothing to say: no system call
        }
        self.record(|| trace::Event::Entering { waits: false });
        let result = self.ring.submit();
        self.retry_if_busy(result, |ring| ring.submit())
    }

    /// Submits what is pushed and waits for at least one completion: in
    /// batched mode the loop's only system call.
    pub fn wait(&mut self) -> io::Result<()> {
        if !self.early.is_empty() {
            return self.submit(); // completions are already waiting
        }
        self.record(|| trace::Event::Entering { waits: true });
        let result = self.ring.submit_and_wait(1);
        self.retry_if_busy(result, |ring| ring.submit_and_wait(1))
    }

    /// `EBUSY`: completions are stuck in the kernel because the ring is
    /// full, or `EAGAIN`: the kernel is short of memory for requests.
    /// Either way, taking completions out of the ring makes room, and then
    /// the call is tried once more. `EBADR`: the kernel lost completions
    /// (out of memory even for its overflow list); the loop's check of
    /// the ring's counter reports it, and there is nothing to retry.
    fn retry_if_busy(
        &mut self,
        result: io::Result<u32>,
        again: impl Fn(&mut Ring) -> io::Result<u32>,
    ) -> io::Result<()> {
        let Err(e) = result else { return Ok(()) };
        match e.raw_os_error() {
            Some(libc::EBUSY | libc::EAGAIN) => {
                while let Some(cqe) = self.ring.pop() {
                    self.early.push_back(cqe);
                }
                again(&mut self.ring).map(drop)
            }
            Some(libc::EBADR) => Ok(()),
            _ => Err(e),
        }
    }
}
// ANCHOR_END: submit

// ANCHOR: complete
impl<B: IoBuf> Driver<B> {
    /// The next completion, if the kernel has posted one. No system call.
    pub fn reap(&mut self) -> Option<Completion<B>> {
        loop {
            let cqe = self.early.pop_front().or_else(|| self.ring.pop())?;
            let op = Token(cqe.user_data);
            let Some(entry) = self.ops.remove(op) else {
                eprintln!("a completion for no operation: {cqe:?}");
                continue;
            };
            let buf = match entry.holds {
                Holds::Buf(buf) => {
                    self.lent = (self.lent.0 - 1, self.lent.1 - buf.size());
                    Some(buf)
                }
                // The kernel is done with the timespec: it may go.
                Holds::Time { .. } | Holds::Nothing => None,
            };
            let accepted = (entry.kind == Kind::Accept && cqe.res >= 0)
                // SAFETY: the kernel made this descriptor for us, and
                // nothing else knows it.
                .then(|| unsafe { OwnedFd::from_raw_fd(cqe.res) });
            self.record(|| trace::Event::Completed {
                op,
                owner: entry.owner,
                kind: entry.kind,
                res: cqe.res,
            });
            if entry.abandoned {
                continue; // the buffer and descriptor drop here
            }
            let result = match cqe.res {
                res if res < 0 => Err(io::Error::from_raw_os_error(-res)),
                res => Ok(res as u32),
            };
            return Some(Completion {
                op,
                owner: entry.owner,
                kind: entry.kind,
                result,
                flags: cqe.flags,
                buf,
                accepted,
            });
        }
    }
}
// ANCHOR_END: complete

// ANCHOR: cancel
impl<B: IoBuf> Driver<B> {
    /// Asks the kernel to stop `op`. Its buffer stays in the table until
    /// `op`'s own completion; both that and the cancel's completion are
    /// reported. Returns the cancel's token.
    pub fn cancel(&mut self, op: Token) -> io::Result<Token> {
        let owner = match self.ops.get(op) {
            Some(entry) => entry.owner,
            None => return Err(io::Error::from_raw_os_error(libc::ENOENT)),
        };
        let sqe = Sqe {
            opcode: abi::OP_ASYNC_CANCEL,
            fd: -1,
            addr: op.0, // the user_data to look for
            ..Sqe::default()
        };
        self.start(owner, Kind::Cancel, Holds::Nothing, sqe)
    }

    /// The owner of `op` no longer wants its result: what dropping an
    /// operation's future does. The operation is cancelled, and its buffer
    /// is dropped when the kernel is done with it; neither completion is
    /// reported.
    pub fn abandon(&mut self, op: Token) -> io::Result<()> {
        let cancel = self.cancel(op)?;
        for token in [op, cancel] {
            if let Some(entry) = self.ops.get_mut(token) {
                entry.abandoned = true;
            }
        }
        Ok(())
    }
}
// ANCHOR_END: cancel

// ANCHOR: drop
impl<B: IoBuf> Driver<B> {
    /// Cancels everything in flight and waits, at most `patience`, until
    /// the kernel has completed it all. Returns how many are left.
    pub fn shutdown(&mut self, patience: Duration) -> usize {
        for op in self.ops.tokens() {
            if self.ops.get(op).is_some_and(|e| e.kind != Kind::Cancel) {
                let _ = self.abandon(op);
            }
        }
        let Ok(timer) = self.timeout(DRIVER, patience) else {
            return self.ops.len();
        };
        while self.ops.len() > 1 && self.ops.get(timer).is_some() {
            if self.wait().is_err() {
                break;
            }
            while self.reap().is_some() {}
        }
        let _ = self.abandon(timer);
        let _ = self.submit();
        while self.reap().is_some() {}
        self.ops.len()
    }
}

impl<B: IoBuf> Drop for Driver<B> {
    fn drop(&mut self) {
        if self.ops.is_empty() || self.shutdown(Duration::from_secs(1)) == 0 {
            return;
        }
        // The kernel may still write into these: they must never be freed.
        let mut leaked = 0;
        for op in self.ops.tokens() {
            if let Some(entry) = self.ops.remove(op) {
                std::mem::forget(entry.holds);
                leaked += 1;
            }
        }
        eprintln!("driver dropped with {leaked} operations in flight: leaked");
    }
}
// ANCHOR_END: drop

impl<B: IoBuf> Driver<B> {
    fn record(&self, event: impl FnOnce() -> trace::Event) {
        if let Some(trace) = &self.trace {
            trace.record(event());
        }
    }
}
