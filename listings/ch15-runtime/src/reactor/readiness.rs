//! A registration's readiness: one atomic word that says what the kernel
//! has reported for a socket and not yet been used up, which event said so
//! last, and which registration of the slot it belongs to. The reactor
//! sets bits when an event arrives; a socket operation that finds the
//! socket drained (`EAGAIN`, or a short read) clears them. Nothing else
//! ever changes readiness: it is never assumed.
//!
//! This file uses nothing of the crate but `crate::sync`, so that
//! `tests/loom.rs` can compile it against loom's atomics.

use crate::sync::AtomicUsize;
use crate::sync::Ordering::{AcqRel, Acquire};

// The word is 64 bits wide: the generation takes the upper half.
const _: () = assert!(usize::BITS == 64, "the readiness word needs 64 bits");

// ANCHOR: bits
/// A read will not block: data, or a connection, is waiting. Cleared by
/// the read that finds nothing more.
pub const READABLE: usize = 1 << 0;
/// A write will not block: the send buffer has room. Cleared by the write
/// that finds it full.
pub const WRITABLE: usize = 1 << 1;
/// The peer has shut down its sending side (`EPOLLRDHUP`): once the data
/// before it is read, reads return 0 at once. A short read leaves it set;
/// only a read that blocks (`EAGAIN`) clears it, which on a closed TCP
/// stream never happens.
pub const READ_CLOSED: usize = 1 << 2;
/// The socket has failed or is closed both ways (`EPOLLHUP`, `EPOLLERR`):
/// the next operation says how. Cleared, like `READ_CLOSED`, only by an
/// operation that blocks (a datagram socket survives an error).
pub const WRITE_CLOSED: usize = 1 << 3;
/// The reactor is gone: nobody will ever report readiness again, and every
/// wait must end with an error. Final.
pub const SHUTDOWN: usize = 1 << 4;

/// What a reader waits for, and a writer.
pub const READ: usize = READABLE | READ_CLOSED;
pub const WRITE: usize = WRITABLE | WRITE_CLOSED;

/// Bits 8 to 31: the tick, bumped by every event the reactor delivers to
/// this registration. Clearing readiness names the tick it saw: if an event
/// came since, the clear is refused (see [`Readiness::clear`]).
const TICK_SHIFT: u32 = 8;
const TICK_MASK: usize = 0xff_ffff << TICK_SHIFT;

/// Bits 32 to 63: the generation of the slot's current registration,
/// bumped when the slot is freed. An event whose token carries another
/// generation belongs to a registration that has ended: refused.
const GENERATION_SHIFT: u32 = 32;
// ANCHOR_END: bits

const READY_MASK: usize = (1 << TICK_SHIFT) - 1;

/// The word itself.
pub struct Readiness(AtomicUsize);

/// One reading of the word: what was ready, and at which tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub ready: usize,
    pub tick: u32,
    pub generation: u32,
}

impl Snapshot {
    fn of(word: usize) -> Snapshot {
        Snapshot {
            ready: word & READY_MASK,
            tick: ((word & TICK_MASK) >> TICK_SHIFT) as u32,
            generation: (word >> GENERATION_SHIFT) as u32,
        }
    }

    /// Is any of `bits` ready?
    pub fn is(self, bits: usize) -> bool {
        self.ready & bits != 0
    }
}

impl Readiness {
    /// A free slot's word: nothing ready, generation 0.
    pub fn new() -> Readiness {
        Readiness(AtomicUsize::new(0))
    }

    pub fn load(&self) -> Snapshot {
        Snapshot::of(self.0.load(Acquire))
    }

    /// Changes the word with `next` until a compare-and-swap succeeds, or
    /// `next` says to leave it as it is (`None`). Returns the word it
    /// replaced, if it changed it.
    fn update(&self, next: impl Fn(usize) -> Option<usize>) -> Option<usize> {
        let mut current = self.0.load(Acquire);
        loop {
            let new = next(current)?;
            match self.0.compare_exchange_weak(current, new, AcqRel, Acquire) {
                Ok(_) => return Some(current),
                Err(actual) => current = actual,
            }
        }
    }

    // ANCHOR: set
    /// The reactor delivers an event: adds `bits` and bumps the tick, in one
    /// step, unless the event's `generation` is not the slot's (a stale
    /// token). Returns the bits that were not set before, or `None` if the
    /// event was refused.
    pub fn set(&self, generation: u32, bits: usize) -> Option<usize> {
        let before = self.update(|word| {
            if Snapshot::of(word).generation != generation {
                return None;
            }
            let tick = (word & TICK_MASK).wrapping_add(1 << TICK_SHIFT);
            Some((word & !TICK_MASK) | (tick & TICK_MASK) | bits)
        })?;
        Some(bits & !before)
    }
    // ANCHOR_END: set

    // ANCHOR: clear
    /// An operation found the socket drained: clears `bits`, but only if no
    /// event came since `seen` was read. An event in between may have
    /// reported data the operation missed, so its readiness must stay.
    /// Returns whether it cleared.
    pub fn clear(&self, seen: Snapshot, bits: usize) -> bool {
        let bits = bits & (READ | WRITE);
        self.update(|word| {
            let now = Snapshot::of(word);
            if now.tick != seen.tick || now.generation != seen.generation {
                return None;
            }
            Some(word & !bits)
        })
        .is_some()
    }
    // ANCHOR_END: clear

    /// The slot is freed: nothing is ready, and the next registration gets
    /// the next generation, which this returns.
    pub fn release(&self) -> u32 {
        let next = self.load().generation.wrapping_add(1);
        let word = (next as usize) << GENERATION_SHIFT;
        self.0.store(word, crate::sync::Ordering::Release);
        next
    }

    /// The reactor is gone: every wait ends.
    pub fn shut_down(&self) {
        self.0.fetch_or(SHUTDOWN, AcqRel);
    }
}

impl Default for Readiness {
    fn default() -> Readiness {
        Readiness::new()
    }
}
