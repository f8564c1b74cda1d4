//! The rooms of one OS thread's runtime, in one place: the thread table, the
//! ready queue, the netpoller and the timers. This module holds the data and
//! the one step every layer above needs (making a parked thread ready); it
//! never switches stacks. The waiting room (`park`) and the scheduler loop
//! (`scheduler`) work on it; it imports neither.

use std::cell::RefCell;

use crate::context::Context;
use crate::netpoll::NetPoll;
use crate::policy::{Policy, ThreadId};
use crate::table::Table;
use crate::thread::GreenThread;
use crate::timer::Timers;
use crate::token::WakeToken;

// ANCHOR: runtime
/// Everything one OS thread's green threads share.
pub struct Runtime {
    pub threads: Table<GreenThread>,
    /// Which ready thread runs next.
    pub policy: Box<dyn Policy>,
    /// The green thread on the CPU, if any (`None` in the scheduler loop).
    pub running: Option<ThreadId>,
    /// Where the scheduler loop is suspended while a green thread runs.
    pub loop_context: Context,
    /// Sockets that parked threads wait for.
    pub netpoll: NetPoll,
    /// Deadlines that parked threads wait for.
    pub timers: Timers,
    /// The number the next turn of any thread gets.
    pub next_turn: u64,
}

thread_local! {
    /// The runtime of this OS thread, present while `run` runs.
    static RUNTIME: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

/// Runs `f` on this OS thread's runtime. The borrow ends when `f` returns:
/// never hold it across a switch.
///
/// # Panics
/// Outside `run`.
pub fn with_runtime<R>(f: impl FnOnce(&mut Runtime) -> R) -> R {
    RUNTIME.with_borrow_mut(|runtime| {
        let runtime = runtime.as_mut().expect(
            "no green-thread runtime on this thread: call this inside `run`",
        );
        f(runtime)
    })
}
// ANCHOR_END: runtime

/// [`with_runtime`], or `None` outside `run`.
pub fn try_with_runtime<R>(f: impl FnOnce(&mut Runtime) -> R) -> Option<R> {
    RUNTIME.with_borrow_mut(|runtime| runtime.as_mut().map(f))
}

/// Makes `runtime` this OS thread's runtime.
///
/// # Panics
/// If the OS thread has one already.
pub fn install(runtime: Runtime) {
    RUNTIME.with_borrow_mut(|slot| {
        assert!(slot.is_none(), "`run` cannot be nested on one OS thread");
        *slot = Some(runtime);
    });
}

/// Removes this OS thread's runtime and hands it back.
pub fn uninstall() -> Option<Runtime> {
    RUNTIME.take()
}

// ANCHOR: wake
impl Runtime {
    /// Makes the thread `token` names ready again, if it is still parked in
    /// the turn the token was taken in; otherwise does nothing.
    pub fn wake(&mut self, token: WakeToken) {
        let Some(thread) = self.threads.get_mut(token.thread()) else {
            return; // finished meanwhile
        };
        if thread.wake(token.turn()) {
            self.policy.push(token.thread(), thread.priority);
        }
    }
}
// ANCHOR_END: wake
