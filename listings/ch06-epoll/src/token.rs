//! Wake tokens: the name of one wait of one green thread. Whoever may end
//! the wait (the netpoller, the timers, a finishing thread) holds a token;
//! the scheduler compares it with the thread's state before waking anyone.

use std::marker::PhantomData;

use crate::policy::ThreadId;

// ANCHOR: token
/// Names one wait of one green thread: the thread, and the number of the
/// turn in which it parked. Every turn of every thread gets a number no
/// other turn ever had, so a token outlives its wait harmlessly: once the
/// thread has woken up, or finished, or its id belongs to a new thread, the
/// number no longer matches and waking the token does nothing.
///
/// Not `Send`: a token means something only to the runtime of the OS
/// thread it was taken on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WakeToken {
    thread: ThreadId,
    turn: u64,
    not_send: PhantomData<*const ()>,
}

impl WakeToken {
    pub fn new(thread: ThreadId, turn: u64) -> WakeToken {
        WakeToken {
            thread,
            turn,
            not_send: PhantomData,
        }
    }

    /// The thread this token wakes.
    pub fn thread(&self) -> ThreadId {
        self.thread
    }

    /// The turn in which that thread took it.
    pub fn turn(&self) -> u64 {
        self.turn
    }
}
// ANCHOR_END: token
