//! One green thread as the scheduler keeps it: its saved context, its stack,
//! and the one field that says where it is in its life.

use crate::context::Context;
use crate::stack::Stack;

/// Stack size of a green thread unless its spawner says otherwise.
pub const DEFAULT_STACK_SIZE: usize = 64 * 1024;

// ANCHOR: state
/// Where a green thread is in its life: always exactly one of these, and
/// changed only by the methods below.
///
/// ```text
///  spawn ──▶ Ready ───resume───▶ Running ───task returns───▶ Finished
///             ▲  ▲                 │   │
///             │  └─── yield_now ───┘   │ park
///             │                        ▼
///             └───── wake(turn) ───── Parked
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// In the policy's ready queue: just spawned, yielded, or woken.
    Ready,
    /// On the CPU since the scheduler switched to it. `turn` numbers this
    /// turn; the wake tokens it hands out carry the number.
    Running { turn: u64 },
    /// Off the ready queue until a token of turn `turn` is woken.
    Parked { turn: u64 },
    /// Its task has returned; the scheduler unmaps its stack next.
    Finished,
}
// ANCHOR_END: state

// ANCHOR: thread
/// One green thread, as the scheduler sees it.
pub struct GreenThread {
    /// Where it is suspended (meaningless while it runs).
    pub context: Context,
    /// What it runs, until it starts: `green_main` takes it out.
    pub task: Option<Box<dyn FnOnce()>>,
    pub priority: u8,
    state: State,
    /// Unmapped when the record is dropped: only once `state` is
    /// `Finished`, because a frame that has not finished may have lent its
    /// memory to someone.
    pub stack: Stack,
}
// ANCHOR_END: thread

// ANCHOR: transitions
impl GreenThread {
    /// A new thread, ready to run `task` on `stack`.
    pub fn new(task: Box<dyn FnOnce()>, priority: u8, stack: Stack) -> Self {
        GreenThread {
            context: Context::empty(), // made by the scheduler, on `stack`
            task: Some(task),
            priority,
            state: State::Ready,
            stack,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Ready → Running: the scheduler switches to it for turn `turn`.
    pub fn start_turn(&mut self, turn: u64) {
        assert_eq!(self.state, State::Ready, "only a ready thread may run");
        self.state = State::Running { turn };
    }

    /// Running → Ready: it yields and goes back into the ready queue.
    pub fn yield_turn(&mut self) {
        assert!(matches!(self.state, State::Running { .. }), "not running");
        self.state = State::Ready;
    }

    /// Running → Parked: it waits for a token of this turn.
    pub fn park(&mut self) {
        let State::Running { turn } = self.state else {
            panic!("only a running thread may park");
        };
        self.state = State::Parked { turn };
    }

    /// Parked → Ready, if it is parked in turn `turn`; true if it was.
    pub fn wake(&mut self, turn: u64) -> bool {
        let woken = self.state == State::Parked { turn };
        if woken {
            self.state = State::Ready;
        }
        woken
    }

    /// Running → Finished: its task has returned.
    pub fn finish(&mut self) {
        assert!(matches!(self.state, State::Running { .. }), "not running");
        self.state = State::Finished;
    }
}
// ANCHOR_END: transitions
