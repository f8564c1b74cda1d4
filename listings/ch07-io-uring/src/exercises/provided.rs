//! Exercise 2: provided buffers. A recv in flight holds its buffer for as
//! long as it waits, so 10,000 idle connections hold 10,000 buffers. With
//! a provided-buffer ring (Linux 5.19), the application gives the kernel a
//! pool, and a recv that asks for it (`IOSQE_BUFFER_SELECT`) takes a
//! buffer only when its data arrives; the completion says which one. An
//! empty pool makes such a recv fail with `-ENOBUFS`.
//!
//! Who owns a pool buffer: the kernel, from the moment it is added to the
//! ring until a completion names it; then the application, until it gives
//! it back.

use std::io;
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU16, Ordering};

use crate::driver::{Completion, Driver, IoBuf, Kind};
use crate::poll::Token;
use crate::uring::abi::{self, BufReg, BufRingEntry, Sqe};
use crate::uring::{Ring, ring};

// ANCHOR: buf_ring
/// A pool of equal buffers, registered with a ring as one group.
pub struct BufRing {
    /// The ring's descriptor, duplicated: the pool is unregistered through
    /// it before its memory goes, even if the `Ring` is gone first.
    ring_fd: OwnedFd,
    /// The entries the kernel takes buffers from: page-aligned memory.
    entries: NonNull<BufRingEntry>,
    map_len: usize,
    count: u16,
    group: u16,
    size: usize,
    /// `count × size` bytes, from a leaked `Box<[u8]>`: the kernel writes
    /// into any buffer it holds at any time, so no reference to the whole
    /// may exist; a slice is made only of a buffer the application holds.
    memory: NonNull<u8>,
    /// Our copy of the tail: one past the last entry added.
    tail: u16,
    /// Which buffers the application holds (the others are the kernel's).
    ours: Vec<bool>,
    /// Whether the kernel knows the pool.
    registered: bool,
}
// ANCHOR_END: buf_ring

impl BufRing {
    /// Registers `count` (a power of two) buffers of `size` bytes as group
    /// `group` of `ring`, all of them given to the kernel.
    pub fn register(
        ring: &Ring,
        group: u16,
        count: u16,
        size: usize,
    ) -> io::Result<BufRing> {
        assert!(count.is_power_of_two() && size > 0);
        let map_len = usize::from(count) * size_of::<BufRingEntry>();
        // SAFETY: a new private anonymous mapping: page-aligned, as the
        // kernel requires of a buffer ring, and zeroed (tail 0).
        let entries = unsafe {
            libc::mmap(
                ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if entries == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let entries = NonNull::new(entries.cast()).expect("mmap gave null");
        let memory = vec![0u8; usize::from(count) * size].into_boxed_slice();
        let memory = NonNull::new(Box::into_raw(memory).cast())
            .expect("a box is never null");
        let mut pool = BufRing {
            ring_fd: ring.try_clone_fd()?,
            entries,
            map_len,
            count,
            group,
            size,
            memory,
            tail: 0,
            ours: vec![true; usize::from(count)],
            registered: false,
        };
        let mut reg = BufReg {
            ring_addr: entries.as_ptr() as u64,
            ring_entries: u32::from(count),
            bgid: group,
            ..BufReg::default()
        };
        // SAFETY: `reg` describes the mapping above, which stays until
        // `drop` has unregistered it.
        unsafe {
            ring.register(abi::REGISTER_PBUF_RING, (&raw mut reg).cast(), 1)
        }?;
        pool.registered = true;
        for id in 0..count {
            pool.give_back(id);
        }
        Ok(pool)
    }

    /// Bytes in the pool, all buffers together.
    pub fn bytes(&self) -> usize {
        usize::from(self.count) * self.size
    }

    pub fn group(&self) -> u16 {
        self.group
    }
}

// ANCHOR: give_back
impl BufRing {
    /// Gives buffer `id` (back) to the kernel.
    pub fn give_back(&mut self, id: u16) {
        let slot = &mut self.ours[usize::from(id)];
        assert!(*slot, "buffer {id} is the kernel's already");
        *slot = false;
        let mask = self.count - 1;
        let entry = BufRingEntry {
            addr: self.buffer_ptr(id) as u64,
            len: u32::try_from(self.size).expect("a buffer under 4 GiB"),
            bid: id,
            resv: 0,
        };
        let at = usize::from(self.tail & mask);
        // SAFETY: `at` < `count`, inside the mapping, and the entry is
        // free: the kernel has taken everything up to our tail. The first
        // entry's last two bytes are the tail itself, written just below:
        // write the entry's fields without them.
        unsafe {
            let p = self.entries.as_ptr().add(at);
            (&raw mut (*p).addr).write(entry.addr);
            (&raw mut (*p).len).write(entry.len);
            (&raw mut (*p).bid).write(entry.bid);
        }
        self.tail = self.tail.wrapping_add(1);
        // Release, paired with the kernel's acquire load of the tail: the
        // entry written above is complete when the kernel sees it.
        // SAFETY: the tail is the 2 bytes at offset 14 of the mapping,
        // aligned, and accessed only atomically by us and the kernel.
        let tail = unsafe {
            AtomicU16::from_ptr(
                self.entries.as_ptr().cast::<u8>().add(14).cast(),
            )
        };
        tail.store(self.tail, Ordering::Release);
    }
}
// ANCHOR_END: give_back

// ANCHOR: take
impl BufRing {
    /// The buffer a completion names, now the application's: its id, and
    /// the bytes received into it.
    pub fn take<B: IoBuf>(
        &mut self,
        done: &Completion<B>,
    ) -> Option<(u16, &[u8])> {
        if done.flags & abi::CQE_F_BUFFER == 0 {
            return None;
        }
        let id = (done.flags >> abi::CQE_BUFFER_SHIFT) as u16;
        let slot = &mut self.ours[usize::from(id)];
        assert!(!*slot, "buffer {id} was ours already");
        *slot = true;
        let len = done.result.as_ref().map_or(0, |&n| n as usize);
        // SAFETY: buffer `id` is `size` bytes inside `memory`, and the
        // kernel handed it over with this completion: nobody writes it
        // until `give_back`, which needs `&mut self`.
        let bytes = unsafe {
            std::slice::from_raw_parts(self.buffer_ptr(id), len.min(self.size))
        };
        Some((id, bytes))
    }

    fn buffer_ptr(&self, id: u16) -> *mut u8 {
        self.memory
            .as_ptr()
            .wrapping_add(usize::from(id) * self.size)
    }
}
// ANCHOR_END: take

impl Drop for BufRing {
    fn drop(&mut self) {
        let mut reg = BufReg {
            bgid: self.group,
            ..BufReg::default()
        };
        // SAFETY: `reg` names the group; the kernel reads it during the
        // call only. (Never registered: nothing to undo.)
        let unregistered = match self.registered {
            false => Ok(0),
            true => unsafe {
                ring::register(
                    self.ring_fd.as_fd(),
                    abi::UNREGISTER_PBUF_RING,
                    (&raw mut reg).cast(),
                    1,
                )
            },
        };
        if let Err(e) = unregistered {
            // The kernel may still write into the pool: leak it.
            eprintln!("cannot unregister a buffer ring ({e}): leaked");
            return;
        }
        let len = usize::from(self.count) * self.size;
        let memory = ptr::slice_from_raw_parts_mut(self.memory.as_ptr(), len);
        // SAFETY: `memory` came from `Box::into_raw` of exactly this
        // length, and the kernel no longer knows the pool. The mapping is
        // the one `register` made.
        unsafe {
            drop(Box::from_raw(memory));
            libc::munmap(self.entries.as_ptr().cast(), self.map_len);
        }
    }
}

// ANCHOR: recv_select
/// A recv that takes a buffer from `group` when its data arrives, and
/// holds none while it waits.
pub fn recv_select<B: IoBuf>(
    driver: &mut Driver<B>,
    owner: Token,
    fd: RawFd,
    group: u16,
) -> io::Result<Token> {
    let sqe = Sqe {
        opcode: abi::OP_RECV,
        flags: abi::IOSQE_BUFFER_SELECT,
        fd,
        buf_index: group,
        ..Sqe::default()
    };
    // SAFETY: the SQE points to no memory of its own; the buffer it gets
    // is the pool's, which stays registered (and allocated) until the
    // `BufRing` is dropped.
    unsafe { driver.start_raw(owner, Kind::Recv, sqe, None) }
}
// ANCHOR_END: recv_select
