//! A worker's run queue: a ring of [`CAPACITY`] slots that one thread, its
//! owner, pushes to and pops from, and that any other thread may steal
//! half of. The design is tokio's (`scheduler/multi_thread/queue.rs`),
//! itself a bounded cousin of the Chase-Lev deque; the code is ours.
//!
//! # Three indices in two words
//!
//! Positions only grow (wrapping at 2³²); a position's slot is
//! `position % CAPACITY`. The owner alone moves `tail`, where it pushes.
//! `head` is one 64-bit word holding two positions:
//!
//! - `real`, the first task still in the queue: the owner's pop and a
//!   stealer's claim both move it, by compare-and-swap;
//! - `steal`, the first task a stealer is still copying out: equal to
//!   `real` when nobody steals. While they differ, the slots between them
//!   belong to that stealer, and the owner must not write over them.
//!
//! A steal is two steps. First one compare-and-swap moves `real` past half
//! the tasks (rounded up), leaving `steal` where it was: the tasks are
//! claimed, so the owner's pops skip them, and no other stealer starts
//! (it sees `steal != real` and gives up). Then the stealer copies them
//! into its own queue and moves `steal` up to `real` with another
//! compare-and-swap, which hands the slots back to the owner.
//!
//! A push never waits. If the ring is full, the owner moves half of it,
//! plus the new task, to the overflow (the runtime's injection queue),
//! where every worker can find them; if a stealer is busy copying, the
//! ring will have room in a moment and only the new task overflows.
//!
//! Capacity 256, tokio's: big enough that a worker rarely overflows,
//! small enough that a steal (half of it) copies at most 128 pointers.
//! Positions are 32 bits wide, so the ring would have to wrap 2³² / 256
//! times between a stealer's two looks at `head` for a stale
//! compare-and-swap to succeed (tokio widened its positions from 16 to 32
//! bits for exactly that reason, issue 5041).
//!
//! This file uses nothing of the crate but `crate::sync`, so that
//! `tests/loom.rs` can compile it against loom's atomics and cell, with a
//! ring of 4 slots so that loom reaches the full and wrapping cases.

use std::mem::MaybeUninit;

use crate::sync::Ordering::{AcqRel, Acquire, Relaxed, Release};
use crate::sync::{Arc, AtomicU32, AtomicU64, UnsafeCell};

/// Slots in a worker's queue.
#[cfg(not(loom))]
pub const CAPACITY: usize = 256;
#[cfg(loom)]
pub const CAPACITY: usize = 4;

const MASK: usize = CAPACITY - 1;
const _: () = assert!(CAPACITY.is_power_of_two() && CAPACITY >= 2);

// ANCHOR: types
/// The owner's end: push, pop. One thread uses it (it is `Send`, not
/// `Sync`, and every method takes `&mut self`).
pub struct Local<T> {
    inner: Arc<Inner<T>>,
}

/// A stealer's end, for any thread.
pub struct Steal<T>(Arc<Inner<T>>);

struct Inner<T> {
    /// `steal` in the high 32 bits, `real` in the low 32 (see the module's
    /// documentation).
    head: AtomicU64,
    /// Where the owner pushes next. Written by the owner only.
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<T>>]>,
}
// ANCHOR_END: types

// SAFETY: tasks move between threads through the queue (so `T: Send`),
// and a slot is only touched by whoever the head and tail words give it
// to: the owner between `tail` and the end of the ring, a stealer between
// `steal` and `real` while it holds them, a pop at `real` after its
// compare-and-swap.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

fn pack(steal: u32, real: u32) -> u64 {
    (u64::from(steal) << 32) | u64::from(real)
}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

/// A new queue: the owner's end and a stealer's end.
pub fn new<T>() -> (Local<T>, Steal<T>) {
    let buffer = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        buffer,
    });
    (
        Local {
            inner: Arc::clone(&inner),
        },
        Steal(inner),
    )
}

impl<T> Inner<T> {
    /// Writes `value` into the slot of position `at`.
    ///
    /// # Safety
    ///
    /// The caller owns that slot (see `unsafe impl Send`) and it is empty.
    unsafe fn write(&self, at: u32, value: T) {
        self.buffer[at as usize & MASK].with_mut(|slot| {
            // SAFETY: the caller's promise.
            unsafe { (*slot).write(value) };
        });
    }

    /// Moves the value out of the slot of position `at`.
    ///
    /// # Safety
    ///
    /// The caller owns that slot and it holds a value, which from now on
    /// it treats as moved out.
    unsafe fn read(&self, at: u32) -> T {
        self.buffer[at as usize & MASK].with(|slot| {
            // SAFETY: the caller's promise.
            unsafe { (*slot).assume_init_read() }
        })
    }

    fn len(&self) -> u32 {
        let (_, real) = unpack(self.head.load(Acquire));
        self.tail.load(Acquire).wrapping_sub(real)
    }
}

impl<T> Local<T> {
    /// Tasks in the queue now (those a stealer is copying out excluded).
    pub fn len(&self) -> usize {
        self.inner.len() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many pushes would fit without overflowing.
    pub fn remaining(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        let tail = self.inner.tail.load(Relaxed);
        CAPACITY - tail.wrapping_sub(steal) as usize
    }

    // ANCHOR: push
    /// Pushes `task` at the back. If the ring is full, hands it, with the
    /// older half of the ring, to `overflow` (which must keep them: the
    /// runtime's injection queue).
    pub fn push_back(&mut self, mut task: T, overflow: impl FnOnce(Vec<T>)) {
        let tail = loop {
            let head = self.inner.head.load(Acquire);
            let (steal, real) = unpack(head);
            // Only we write `tail`: a relaxed read sees our last store.
            let tail = self.inner.tail.load(Relaxed);
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                break tail; // room
            }
            if steal != real {
                // A stealer is copying out: it will make room, but we do
                // not wait for it.
                overflow(vec![task]);
                return;
            }
            match self.overflow_half(task, real, tail) {
                Ok(moved) => {
                    overflow(moved);
                    return;
                }
                // A stealer got in first: the ring has room now.
                Err(back) => task = back,
            }
        };
        // SAFETY: the slot at `tail` is outside [steal, tail): nobody else
        // owns it, and its last value was moved out.
        unsafe { self.inner.write(tail, task) };
        // Release: a stealer that sees the new tail sees the task.
        self.inner.tail.store(tail.wrapping_add(1), Release);
    }

    /// Claims the older half of a full ring and returns it with `task`.
    fn overflow_half(
        &mut self,
        task: T,
        real: u32,
        tail: u32,
    ) -> Result<Vec<T>, T> {
        const HALF: u32 = (CAPACITY / 2) as u32;
        debug_assert_eq!(tail.wrapping_sub(real), CAPACITY as u32);
        let claimed = pack(real.wrapping_add(HALF), real.wrapping_add(HALF));
        if self
            .inner
            .head
            .compare_exchange(pack(real, real), claimed, Release, Relaxed)
            .is_err()
        {
            return Err(task);
        }
        let mut moved = Vec::with_capacity(HALF as usize + 1);
        for i in 0..HALF {
            // SAFETY: the compare-and-swap gave us these slots, which hold
            // tasks (they were between head and tail).
            moved.push(unsafe { self.inner.read(real.wrapping_add(i)) });
        }
        moved.push(task);
        Ok(moved)
    }
    // ANCHOR_END: push

    // ANCHOR: pop
    /// Takes the task at the front, if any.
    pub fn pop(&mut self) -> Option<T> {
        let mut head = self.inner.head.load(Acquire);
        let at = loop {
            let (steal, real) = unpack(head);
            let tail = self.inner.tail.load(Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            // Without a stealer, both move; with one, only `real` does.
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                pack(steal, next_real)
            };
            match self
                .inner
                .head
                .compare_exchange(head, next, AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the compare-and-swap gave us the slot at `at`, which
        // holds a task.
        Some(unsafe { self.inner.read(at) })
    }
    // ANCHOR_END: pop
}

impl<T> Steal<T> {
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Tasks in the queue now.
    pub fn len(&self) -> usize {
        self.0.len() as usize
    }

    // ANCHOR: steal
    /// Moves half of this queue's tasks (rounded up) into `dst`, which must
    /// be the caller's own, empty enough to take them; returns one of them
    /// to run at once, and how many were taken in all. `None` if there was
    /// nothing to take or another stealer is at work here.
    pub fn steal_into(&self, dst: &mut Local<T>) -> Option<(T, usize)> {
        let dst_tail = dst.inner.tail.load(Relaxed);
        // `dst` may look empty and still be being stolen from: then its
        // slots are not all free.
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(dst_steal) > CAPACITY as u32 / 2 {
            return None;
        }
        let n = self.claim_and_copy(dst, dst_tail);
        if n == 0 {
            return None;
        }
        // The last one copied is returned rather than exposed.
        let last = dst_tail.wrapping_add(n - 1);
        // SAFETY: copied into `dst` but not yet published: ours alone.
        let task = unsafe { dst.inner.read(last) };
        if n > 1 {
            dst.inner.tail.store(last, Release);
        }
        Some((task, n as usize))
    }

    /// Claims half of the tasks, copies them to `dst` from `dst_tail` on,
    /// and lets go of the claim. Returns how many.
    fn claim_and_copy(&self, dst: &mut Local<T>, dst_tail: u32) -> u32 {
        let mut head = self.0.head.load(Acquire);
        let (first, n) = loop {
            let (steal, real) = unpack(head);
            if steal != real {
                return 0; // another stealer is copying
            }
            let tail = self.0.tail.load(Acquire);
            let available = tail.wrapping_sub(real);
            let n = available - available / 2;
            if n == 0 {
                return 0;
            }
            // Move `real` only: the claimed slots stay ours until `steal`
            // catches up.
            let claimed = pack(steal, real.wrapping_add(n));
            match self.0.head.compare_exchange(head, claimed, AcqRel, Acquire) {
                Ok(_) => break (real, n),
                Err(actual) => head = actual,
            }
        };
        for i in 0..n {
            // SAFETY: the claim gave us the source slots, which hold tasks;
            // the destination slots are past `dst`'s tail, free, and only
            // `dst`'s owner (the caller) writes there.
            unsafe {
                let task = self.0.read(first.wrapping_add(i));
                dst.inner.write(dst_tail.wrapping_add(i), task);
            }
        }
        // Hand the slots back: `steal` catches up with `real`, which pops
        // may have moved meanwhile.
        let mut head = pack(first, first.wrapping_add(n));
        loop {
            let (_, real) = unpack(head);
            match self.0.head.compare_exchange(
                head,
                pack(real, real),
                AcqRel,
                Acquire,
            ) {
                Ok(_) => return n,
                Err(actual) => {
                    debug_assert_eq!(unpack(actual).0, first);
                    head = actual;
                }
            }
        }
    }
    // ANCHOR_END: steal
}

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Steal<T> {
        Steal(Arc::clone(&self.0))
    }
}

impl<T> Drop for Inner<T> {
    /// The last end is gone: drop the tasks still queued.
    fn drop(&mut self) {
        let (steal, real) = unpack(self.head.load(Relaxed));
        debug_assert_eq!(steal, real, "dropped while a steal was running");
        let tail = self.tail.load(Relaxed);
        let mut at = real;
        while at != tail {
            // SAFETY: nobody else can reach the queue; [real, tail) hold
            // tasks.
            drop(unsafe { self.read(at) });
            at = at.wrapping_add(1);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn first_in_first_out() {
        let (mut local, _steal) = new();
        for i in 0..10 {
            local.push_back(i, |_| panic!("no overflow"));
        }
        let popped: Vec<i32> = std::iter::from_fn(|| local.pop()).collect();
        assert_eq!(popped, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_full_ring_overflows_half_and_the_new_task() {
        let (mut local, _steal) = new();
        for i in 0..CAPACITY {
            local.push_back(i, |_| panic!("no overflow yet"));
        }
        let mut overflowed = Vec::new();
        local.push_back(CAPACITY, |batch| overflowed = batch);
        let half = CAPACITY / 2;
        let expected: Vec<usize> = (0..half).chain([CAPACITY]).collect();
        assert_eq!(overflowed, expected);
        assert_eq!(local.len(), CAPACITY - half);
        assert_eq!(local.pop(), Some(half));
    }

    #[test]
    fn a_steal_takes_half_rounded_up_and_returns_one() {
        let (mut victim, steal) = new();
        let (mut thief, _) = new();
        for i in 0..5 {
            victim.push_back(i, |_| unreachable!());
        }
        let (task, n) = steal.steal_into(&mut thief).unwrap();
        assert_eq!((task, n), (2, 3));
        assert_eq!(thief.pop(), Some(0));
        assert_eq!(thief.pop(), Some(1));
        assert_eq!(thief.pop(), None);
        assert_eq!(victim.pop(), Some(3));
        assert_eq!(victim.len(), 1);
    }

    #[test]
    fn every_task_comes_out_once_while_positions_wrap() {
        let (mut local, steal) = new();
        let (mut thief, _) = new();
        let (mut next, mut got) = (0u64, Vec::new());
        for round in 0..1000 {
            for _ in 0..(round % 7 + 1) {
                local.push_back(next, |_| unreachable!());
                next += 1;
            }
            if round % 3 == 0
                && let Some((task, _)) = steal.steal_into(&mut thief)
            {
                got.push(task);
                got.extend(std::iter::from_fn(|| thief.pop()));
            }
            if round % 2 == 0 {
                got.extend(std::iter::from_fn(|| local.pop()));
            }
        }
        got.extend(std::iter::from_fn(|| local.pop()));
        got.sort_unstable();
        assert_eq!(got, (0..next).collect::<Vec<_>>());
    }

    #[test]
    fn dropping_a_queue_drops_what_it_holds() {
        let marker = std::sync::Arc::new(());
        let (mut local, steal) = new();
        for _ in 0..10 {
            local.push_back(std::sync::Arc::clone(&marker), |_| {});
        }
        drop((local, steal));
        assert_eq!(std::sync::Arc::strong_count(&marker), 1);
    }
}
