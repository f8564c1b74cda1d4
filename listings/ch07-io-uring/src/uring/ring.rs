//! The two rings, mapped by hand and driven through `io_uring_setup`,
//! `io_uring_enter` and `io_uring_register`, each made with
//! `libc::syscall`: no io_uring crate, no liburing.
//!
//! Who writes what in the shared memory:
//!
//! | field            | written by | read by |
//! | ---------------- | ---------- | ------- |
//! | SQEs, SQ array   | us         | kernel  |
//! | SQ tail          | us         | kernel  |
//! | SQ head          | kernel     | us      |
//! | CQEs             | kernel     | us      |
//! | CQ tail          | kernel     | us      |
//! | CQ head          | us         | kernel  |
//! | overflow, flags  | kernel     | us      |
//!
//! Each index has exactly one writer, and the writer publishes with a
//! *release* store after writing the entries it covers; the reader loads it
//! with *acquire* before touching those entries. The comments at each
//! atomic access say which pair it is.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU32, Ordering};

use super::abi::{self, Cqe, Params, Sqe};
use crate::count::{self, Syscall};
use crate::sys::cvt;

// ANCHOR: map
/// One `mmap` of ring memory, unmapped when dropped.
struct Map {
    ptr: NonNull<u8>,
    len: usize,
}

impl Map {
    fn new(fd: BorrowedFd<'_>, len: usize, offset: i64) -> io::Result<Map> {
        // SAFETY: asks for a new shared mapping of the ring's memory at an
        // address of the kernel's choosing; no existing memory is touched.
        // MAP_POPULATE maps the pages now rather than at the first touch.
        let ptr = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd.as_raw_fd(),
                offset,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(ptr.cast()).expect("mmap returned null");
        Ok(Map { ptr, len })
    }

    /// A pointer to a `T` at byte `offset` of the mapping, which the
    /// kernel gave us in `Params`.
    fn at<T>(&self, offset: u32) -> *mut T {
        let offset = offset as usize;
        assert!(offset + size_of::<T>() <= self.len, "offset past the map");
        assert!(
            offset.is_multiple_of(align_of::<T>()),
            "misaligned ring field"
        );
        self.ptr.as_ptr().wrapping_add(offset).cast()
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `new` made. Every pointer
        // into it belongs to the `Ring` that owns this map and is dropped
        // with it.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
// ANCHOR_END: map

/// Our view of the submission ring.
struct SubmissionQueue {
    /// Written by the kernel: the next SQE it will read.
    head: *mut u32,
    /// Written by us: one past the last SQE it may read.
    tail: *mut u32,
    flags: *mut u32,
    dropped: *mut u32,
    mask: u32,
    entries: u32,
    sqes: *mut Sqe,
    /// SQEs written up to here; the kernel sees them once `tail` says so.
    pending_tail: u32,
}

/// Our view of the completion ring.
struct CompletionQueue {
    /// Written by us: the next CQE we will read.
    head: *mut u32,
    /// Written by the kernel: one past the last CQE it has written.
    tail: *mut u32,
    overflow: *mut u32,
    mask: u32,
    entries: u32,
    cqes: *const Cqe,
}

/// An index or counter in the shared memory, which both the kernel and we
/// access concurrently: only ever as an atomic.
///
/// # Safety
///
/// `ptr` must point into a live ring mapping (every pointer in the queues
/// does, for as long as the `Ring` lives), be 4-byte aligned (`Map::at`
/// checks it), and be accessed only atomically while the ring lives.
unsafe fn shared<'a>(ptr: *mut u32) -> &'a AtomicU32 {
    // SAFETY: the caller's promise is exactly `from_ptr`'s requirement.
    unsafe { AtomicU32::from_ptr(ptr) }
}

/// The submission ring has no free entry: submit, then push again.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

// ANCHOR: ring
/// An io_uring instance: its descriptor and its three mappings.
pub struct Ring {
    sq: SubmissionQueue,
    cq: CompletionQueue,
    features: u32,
    // Dropped after the queues above, which point into them, and before
    // the descriptor (the fields of a struct drop in order).
    _sq_map: Map,
    _cq_map: Option<Map>,
    _sqe_map: Map,
    fd: OwnedFd,
}

// SAFETY: the raw pointers all point into mappings that the Ring owns and
// unmaps when it drops; nothing is tied to the creating thread (the ring is
// set up without IORING_SETUP_SINGLE_ISSUER), so one thread at a time may
// own it. It is not `Sync`: pushing and popping need `&mut self`.
unsafe impl Send for Ring {}
// ANCHOR_END: ring

// ANCHOR: setup
impl Ring {
    /// A ring with room for `entries` submissions (a power of two; the
    /// kernel rounds up) and twice as many completions.
    pub fn new(entries: u32) -> io::Result<Ring> {
        Ring::with_params(entries, Params::default())
    }

    /// A ring whose completion ring has `cq_entries` entries.
    pub fn with_cq_size(entries: u32, cq_entries: u32) -> io::Result<Ring> {
        let params = Params {
            flags: abi::SETUP_CQSIZE,
            cq_entries,
            ..Params::default()
        };
        Ring::with_params(entries, params)
    }

    fn with_params(entries: u32, mut params: Params) -> io::Result<Ring> {
        count::add(Syscall::UringSetup);
        // SAFETY: the kernel reads and fills `params`, which lives on this
        // stack for the whole call, and keeps no pointer to it.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_io_uring_setup,
                libc::c_long::from(entries),
                &raw mut params,
            )
        };
        let fd = cvt(ret)? as RawFd;
        // SAFETY: a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ring::map(fd, &params)
    }
}
// ANCHOR_END: setup

// ANCHOR: mmap
impl Ring {
    fn map(fd: OwnedFd, p: &Params) -> io::Result<Ring> {
        let (so, co) = (&p.sq_off, &p.cq_off);
        // The submission ring ends with its array of SQE indices, the
        // completion ring with its CQEs.
        let sq_len = so.array as usize + p.sq_entries as usize * 4;
        let cq_len = co.cqes as usize + p.cq_entries as usize * 16;
        // Since Linux 5.4 both rings live in one mapping.
        let single = p.features & abi::FEAT_SINGLE_MMAP != 0;
        let sq_map = if single {
            Map::new(fd.as_fd(), sq_len.max(cq_len), abi::OFF_SQ_RING)?
        } else {
            Map::new(fd.as_fd(), sq_len, abi::OFF_SQ_RING)?
        };
        let cq_map = match single {
            true => None,
            false => Some(Map::new(fd.as_fd(), cq_len, abi::OFF_CQ_RING)?),
        };
        let sqe_len = p.sq_entries as usize * size_of::<Sqe>();
        let sqe_map = Map::new(fd.as_fd(), sqe_len, abi::OFF_SQES)?;

        let cq_base = cq_map.as_ref().unwrap_or(&sq_map);
        let sq = SubmissionQueue {
            head: sq_map.at(so.head),
            tail: sq_map.at(so.tail),
            flags: sq_map.at(so.flags),
            dropped: sq_map.at(so.dropped),
            // SAFETY (both reads): the kernel wrote these before setup
            // returned and never changes them.
            mask: unsafe { *sq_map.at::<u32>(so.ring_mask) },
            entries: unsafe { *sq_map.at::<u32>(so.ring_entries) },
            sqes: sqe_map.at(0),
            pending_tail: 0,
        };
        let cq = CompletionQueue {
            head: cq_base.at(co.head),
            tail: cq_base.at(co.tail),
            overflow: cq_base.at(co.overflow),
            // SAFETY: as above.
            mask: unsafe { *cq_base.at::<u32>(co.ring_mask) },
            entries: unsafe { *cq_base.at::<u32>(co.ring_entries) },
            cqes: cq_base.at(co.cqes),
        };
        // The array maps ring slots to SQE indices. Slot i always holds
        // SQE i, so it is filled once, here, before any submission.
        let array: *mut u32 = sq_map.at(so.array);
        for i in 0..sq.entries {
            // SAFETY: `array` has `entries` u32s (its length is in
            // `sq_len`), and the kernel reads it only after a submission.
            unsafe { array.add(i as usize).write(i) };
        }
        Ok(Ring {
            sq,
            cq,
            features: p.features,
            _sq_map: sq_map,
            _cq_map: cq_map,
            _sqe_map: sqe_map,
            fd,
        })
    }
}
// ANCHOR_END: mmap

// ANCHOR: push
impl Ring {
    /// Writes `sqe` into the next free slot. The kernel does not see it
    /// until [`submit`](Ring::submit) publishes the tail.
    ///
    /// # Safety
    ///
    /// From now until its completion has been popped, the kernel may use
    /// whatever `sqe` points to, at any moment: a buffer must stay
    /// allocated, at the same address, and untouched by anyone else (the
    /// kernel writes into it or reads from it); a descriptor must stay
    /// open until the SQE has been submitted.
    pub unsafe fn push(&mut self, sqe: &Sqe) -> Result<(), Full> {
        let sq = &mut self.sq;
        // Acquire, paired with the kernel's release store of the head: it
        // has finished reading every SQE before `head`, so their slots
        // are ours to overwrite.
        // SAFETY: `head` is a live ring index (see `shared`).
        let head = unsafe { shared(sq.head) }.load(Ordering::Acquire);
        if sq.pending_tail.wrapping_sub(head) == sq.entries {
            return Err(Full);
        }
        let slot = (sq.pending_tail & sq.mask) as usize;
        // SAFETY: `slot` < `entries`, inside the SQE mapping, and the
        // kernel is done with it (checked above).
        unsafe { sq.sqes.add(slot).write(*sqe) };
        sq.pending_tail = sq.pending_tail.wrapping_add(1);
        Ok(())
    }

    /// Publishes every pushed SQE; returns how many the kernel has not
    /// consumed yet.
    fn publish(&mut self) -> u32 {
        let sq = &self.sq;
        // Release, paired with the kernel's acquire load of the tail:
        // the SQEs written before this store are complete when the kernel
        // sees the new tail.
        // SAFETY (both): live ring indices (see `shared`).
        unsafe { shared(sq.tail) }.store(sq.pending_tail, Ordering::Release);
        let head = unsafe { shared(sq.head) }.load(Ordering::Acquire);
        sq.pending_tail.wrapping_sub(head)
    }
}
// ANCHOR_END: push

// ANCHOR: enter
impl Ring {
    /// Hands every pushed SQE to the kernel without waiting. Returns how
    /// many it consumed.
    pub fn submit(&mut self) -> io::Result<u32> {
        let pending = self.publish();
        if pending == 0 {
            return Ok(0); // nothing to say: no system call
        }
        self.enter(pending, 0, 0)
    }

    /// Submits, and waits until at least `want` completions are in the
    /// completion ring, all in one system call. A signal may end the wait
    /// early; the caller looks at the ring either way.
    pub fn submit_and_wait(&mut self, want: u32) -> io::Result<u32> {
        let pending = self.publish();
        match self.enter(pending, want, abi::ENTER_GETEVENTS) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            other => other,
        }
    }

    fn enter(&self, to_submit: u32, want: u32, flags: u32) -> io::Result<u32> {
        count::add(Syscall::UringEnter);
        // SAFETY: the kernel reads the rings, which are mapped for as
        // long as `self` lives; the signal mask pointer is null (and its
        // size 0), so it reads no other memory of ours.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_io_uring_enter,
                libc::c_long::from(self.fd.as_raw_fd()),
                libc::c_long::from(to_submit),
                libc::c_long::from(want),
                libc::c_long::from(flags),
                ptr::null::<libc::sigset_t>(),
                0 as libc::c_long,
            )
        };
        Ok(cvt(ret)? as u32)
    }
}
// ANCHOR_END: enter

// ANCHOR: pop
impl Ring {
    /// Takes the oldest completion out of the completion ring, if there
    /// is one. No system call: the kernel wrote it into shared memory.
    pub fn pop(&mut self) -> Option<Cqe> {
        let cq = &self.cq;
        // SAFETY (all three): live ring indices (see `shared`).
        let (head, tail) = unsafe { (shared(cq.head), shared(cq.tail)) };
        // Relaxed: we are the only writer of the head.
        let at = head.load(Ordering::Relaxed);
        // Acquire, paired with the kernel's release store of the tail:
        // every CQE before the tail is completely written.
        if at == tail.load(Ordering::Acquire) {
            return None;
        }
        // SAFETY: `at & mask` < `entries`, inside the CQE array, and the
        // kernel does not touch this slot until the head moves past it.
        let cqe = unsafe { cq.cqes.add((at & cq.mask) as usize).read() };
        // Release: our read of the slot happens before the kernel can see
        // the slot free and write a new CQE into it (the kernel reads the
        // head before it writes, and orders the two).
        head.store(at.wrapping_add(1), Ordering::Release);
        Some(cqe)
    }
}
// ANCHOR_END: pop

// ANCHOR: overflow
impl Ring {
    /// Completions the kernel had to drop because the completion ring was
    /// full and it could not keep them. With `FEAT_NODROP` (Linux 5.5)
    /// this stays 0 unless the kernel runs out of memory.
    pub fn dropped_completions(&self) -> u32 {
        // SAFETY: a live ring counter (see `shared`). Relaxed: a count,
        // read for a report; no memory depends on it.
        unsafe { shared(self.cq.overflow) }.load(Ordering::Relaxed)
    }

    /// The completion ring was full: completions wait in the kernel,
    /// which moves them into the ring as room appears (at the next
    /// `io_uring_enter` that waits for completions).
    pub fn completions_waiting_in_kernel(&self) -> bool {
        // SAFETY: a live ring word (see `shared`). Relaxed: a hint.
        let flags = unsafe { shared(self.sq.flags) }.load(Ordering::Relaxed);
        flags & abi::SQ_CQ_OVERFLOW != 0
    }
}
// ANCHOR_END: overflow

impl Ring {
    /// The `FEAT_*` bits the kernel reported at setup.
    pub fn features(&self) -> u32 {
        self.features
    }

    pub fn sq_entries(&self) -> u32 {
        self.sq.entries
    }

    pub fn cq_entries(&self) -> u32 {
        self.cq.entries
    }

    /// SQEs pushed and not yet consumed by the kernel.
    pub fn unsubmitted(&self) -> u32 {
        // SAFETY: a live ring index (see `shared`).
        let head = unsafe { shared(self.sq.head) }.load(Ordering::Acquire);
        self.sq.pending_tail.wrapping_sub(head)
    }

    /// SQEs the kernel threw away because their index was invalid; with
    /// this ring's fixed array, always 0.
    pub fn invalid_submissions(&self) -> u32 {
        // SAFETY: a live ring counter (see `shared`).
        unsafe { shared(self.sq.dropped) }.load(Ordering::Relaxed)
    }

    /// `io_uring_register` on this ring: see [`register`].
    ///
    /// # Safety
    ///
    /// As for [`register`].
    pub unsafe fn register(
        &self,
        opcode: u32,
        arg: *mut libc::c_void,
        nr_args: u32,
    ) -> io::Result<u32> {
        // SAFETY: the caller vouches for `arg`.
        unsafe { register(self.fd.as_fd(), opcode, arg, nr_args) }
    }

    /// A second descriptor for this ring, which keeps the kernel's side
    /// of it alive (for [`register`] calls) until it is closed too.
    pub fn try_clone_fd(&self) -> io::Result<OwnedFd> {
        self.fd.try_clone()
    }

    /// Does this kernel know `opcode`? (`IORING_REGISTER_PROBE`, 5.6.)
    pub fn supports(&self, opcode: u8) -> io::Result<bool> {
        #[repr(C)]
        struct ProbeBuf {
            head: abi::Probe,
            ops: [abi::ProbeOp; 256],
        }
        let mut probe = Box::new(ProbeBuf {
            head: abi::Probe::default(),
            ops: [abi::ProbeOp::default(); 256],
        });
        // SAFETY: room for the header and 256 entries, as `nr_args` says;
        // the kernel writes it during the call only.
        unsafe {
            self.register(abi::REGISTER_PROBE, (&raw mut *probe).cast(), 256)?
        };
        let known = usize::from(probe.head.ops_len);
        Ok(probe.ops[..known]
            .iter()
            .any(|op| op.op == opcode && op.flags & abi::OP_SUPPORTED != 0))
    }
}

/// `io_uring_register`: `opcode` with `nr_args` arguments at `arg`, on the
/// ring whose descriptor is `fd`.
///
/// # Safety
///
/// `arg` must point to what `opcode` expects, and whatever the kernel
/// keeps using after the call (a provided-buffer ring, registered buffers)
/// must stay valid until it is unregistered or the ring is gone.
pub unsafe fn register(
    fd: BorrowedFd<'_>,
    opcode: u32,
    arg: *mut libc::c_void,
    nr_args: u32,
) -> io::Result<u32> {
    count::add(Syscall::UringRegister);
    // SAFETY: the caller vouches for `arg`.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_io_uring_register,
            libc::c_long::from(fd.as_raw_fd()),
            libc::c_long::from(opcode),
            arg,
            libc::c_long::from(nr_args),
        )
    };
    Ok(cvt(ret)? as u32)
}
