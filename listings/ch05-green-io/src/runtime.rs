//! The scheduler: a table of green threads, a policy choosing the next one,
//! and the loop that switches into each and waits for it to switch back.
//!
//! Everything runs on one OS thread. The scheduler loop runs on that OS
//! thread's own stack; every green thread switches back to it when it
//! yields, parks or finishes, and it switches into the next one.
//!
//! New in chapter 5: a green thread can *park* (leave the ready queue until
//! someone wakes it), and between rounds the loop asks the netpoller and the
//! timers which parked threads may run again.

use crate::context::{self, Context};
use crate::netpoll::NetPoll;
use crate::policy::{Policy, RoundRobin, ThreadId};
use crate::stack::Stack;
use crate::table::Table;
use crate::timer::Timers;
use crate::trace;
use std::cell::RefCell;
use std::io;
use std::time::{Duration, Instant};

// ANCHOR: state
/// One green thread, as the scheduler sees it.
struct GreenThread {
    /// Where it is suspended (meaningless while it runs).
    context: Context,
    /// What it runs, until it starts.
    task: Option<Box<dyn FnOnce()>>,
    priority: u8,
    finished: bool,
    /// Off the ready queue until its current wait's [`WakeToken`] is woken.
    parked: bool,
    /// Which wait this is: unique among all waits of all threads, so that a
    /// stale token never matches, not even a later thread with the same id.
    wait: u64,
    /// Unmapped when the thread's record is dropped.
    stack: Stack,
}

struct Scheduler {
    threads: Table<GreenThread>,
    policy: Box<dyn Policy>,
    /// The green thread on the CPU, if any (`None` in the scheduler loop).
    running: Option<ThreadId>,
    /// Where the scheduler loop is suspended while a green thread runs.
    loop_context: Context,
    /// Sockets that parked threads wait for.
    netpoll: NetPoll,
    /// Deadlines that parked threads wait for.
    timers: Timers,
    /// The number the next wait of any thread gets.
    next_wait: u64,
}

thread_local! {
    /// The runtime of this OS thread, present while `run` runs.
    static SCHEDULER: RefCell<Option<Scheduler>> = const { RefCell::new(None) };
}
// ANCHOR_END: state

// ANCHOR: with
/// Runs `f` on this OS thread's scheduler. The borrow ends before `f`'s
/// caller switches stacks: no borrow is ever held across a switch.
fn with_scheduler<R>(f: impl FnOnce(&mut Scheduler) -> R) -> R {
    SCHEDULER.with_borrow_mut(|scheduler| {
        let scheduler = scheduler.as_mut().expect(
            "no green-thread runtime on this thread: call this inside `run`",
        );
        f(scheduler)
    })
}
// ANCHOR_END: with

// ANCHOR: run
/// Runs `main` as the first green thread and returns its result once every
/// green thread has finished. A panic in `main` resumes here.
pub fn run<T: 'static>(main: impl FnOnce() -> T + 'static) -> T {
    run_with(RoundRobin::default(), main)
}

/// [`run`] with another scheduling policy.
pub fn run_with<T: 'static>(
    policy: impl Policy + 'static,
    main: impl FnOnce() -> T + 'static,
) -> T {
    let _installed = Installed::new(Box::new(policy));
    let main = crate::spawn(main);
    let mut round = Vec::new();
    // ANCHOR: round
    loop {
        // Between rounds: look at epoll and the timers without waiting, then
        // take every ready thread. Only if none is ready, wait until one is.
        let all_finished = with_scheduler(|s| {
            let mut may_block = false;
            loop {
                if s.poll(may_block) {
                    return true;
                }
                while let Some(id) = s.policy.pop() {
                    round.push(id);
                }
                if !round.is_empty() {
                    return false;
                }
                may_block = true;
            }
        });
        if all_finished {
            break;
        }
        // A round: every thread that was ready runs once. Threads that
        // yield, spawn or wake during the round run in the next one.
        for id in round.drain(..) {
            trace::record(|| format!("S->>{}: resume", trace::name(id)));
            resume(id);
        }
    }
    // ANCHOR_END: round
    match main.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
// ANCHOR_END: run

/// Installs a scheduler on this OS thread, and removes it again when
/// dropped, also when `run` unwinds.
struct Installed;

impl Installed {
    fn new(policy: Box<dyn Policy>) -> Installed {
        SCHEDULER.with_borrow_mut(|slot| {
            assert!(slot.is_none(), "`run` cannot be nested on one OS thread");
            *slot = Some(Scheduler {
                threads: Table::new(),
                policy,
                running: None,
                loop_context: Context::empty(),
                netpoll: NetPoll::new()
                    .expect("failed to create an epoll instance"),
                timers: Timers::default(),
                next_wait: 0,
            });
        });
        Installed
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        // Unmaps the stacks of threads that never finished (only possible
        // when `run` unwinds); what lived on them is leaked, not dropped.
        let scheduler = SCHEDULER.take();
        drop(scheduler);
    }
}

// ANCHOR: resume
/// Switches from the scheduler loop into green thread `id` and returns when
/// it yields or finishes. A finished thread's stack is unmapped here, on
/// the scheduler's own stack.
fn resume(id: ThreadId) {
    let (loop_context, thread_context) = with_scheduler(|s| {
        s.running = Some(id);
        let thread = s.threads.get(id).expect("a ready thread exists");
        (&raw mut s.loop_context, &raw const thread.context)
    });
    // SAFETY: both contexts live in the installed scheduler, which outlives
    // the switch; the thread's context was saved by `switch` or made by
    // `Context::new` on its own, still mapped, stack; no borrow is held.
    unsafe { context::switch(loop_context, thread_context) };
    let finished = with_scheduler(|s| {
        s.running = None;
        match s.threads.get(id) {
            Some(thread) if thread.finished => s.threads.remove(id),
            _ => None,
        }
    });
    drop(finished);
}
// ANCHOR_END: resume

// ANCHOR: yield_now
/// Lets every other ready green thread run, then continues.
///
/// # Panics
/// Outside a green thread.
pub fn yield_now() {
    suspend(|s, id| {
        let thread = s.threads.get(id).expect("the running thread exists");
        s.policy.push(id, thread.priority);
    });
}

/// Switches from the running green thread to the scheduler loop, after
/// `prepare` has said what becomes of it: ready again, or parked.
fn suspend(prepare: impl FnOnce(&mut Scheduler, ThreadId)) {
    let (thread_context, loop_context) = with_scheduler(|s| {
        let id = s.running.expect("called outside a green thread");
        prepare(s, id);
        let thread = s.threads.get_mut(id).expect("the running thread exists");
        (&raw mut thread.context, &raw const s.loop_context)
    });
    // SAFETY: the scheduler loop suspended itself into `loop_context` when
    // it resumed us; our own context stays in the table while we are away.
    unsafe { context::switch(thread_context, loop_context) };
}
// ANCHOR_END: yield_now

// ANCHOR: park
/// Names one wait of one green thread. Waking a token whose wait is over
/// does nothing, so a stale token (say, a deadline that lost the race
/// against readiness) is harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WakeToken {
    thread: ThreadId,
    wait: u64,
}

impl WakeToken {
    /// The thread this token wakes.
    pub fn thread(&self) -> ThreadId {
        self.thread
    }
}

/// The running green thread, if any.
pub fn current_thread() -> Option<ThreadId> {
    SCHEDULER
        .with_borrow(|scheduler| scheduler.as_ref().and_then(|s| s.running))
}

/// The token that wakes the running green thread from its next `park`.
pub fn current_token() -> WakeToken {
    with_scheduler(|s| {
        let thread = s.running.expect("called outside a green thread");
        let wait = s
            .threads
            .get(thread)
            .expect("the running thread exists")
            .wait;
        WakeToken { thread, wait }
    })
}

/// Takes the running green thread off the ready queue until a token taken
/// since it last woke up is woken. Other green threads run meanwhile.
pub fn park() {
    suspend(|s, id| {
        s.threads
            .get_mut(id)
            .expect("the running thread exists")
            .parked = true
    });
}

/// Makes the thread `token` names ready again, if it is still in that wait.
pub fn wake(token: WakeToken) {
    with_scheduler(|s| s.wake(token));
}

impl Scheduler {
    fn wake(&mut self, token: WakeToken) {
        let Some(thread) = self.threads.get_mut(token.thread) else {
            return; // finished meanwhile
        };
        if thread.parked && thread.wait == token.wait {
            thread.parked = false;
            thread.wait = self.next_wait;
            self.next_wait += 1;
            self.policy.push(token.thread, thread.priority);
        }
    }
}
// ANCHOR_END: park

// ANCHOR: poll
impl Scheduler {
    /// Between two rounds: asks epoll and the timers which parked threads
    /// may run again, and makes them ready. Blocks in `epoll_wait` only if
    /// `may_block` (no thread is ready). Returns true once every green
    /// thread has finished.
    fn poll(&mut self, may_block: bool) -> bool {
        if self.threads.is_empty() {
            return true;
        }
        let timeout = if may_block {
            self.blocking_timeout()
        } else {
            Some(Duration::ZERO)
        };
        let mut woken = Vec::new();
        // EINTR already counts as "nothing ready"; any other error means the
        // epoll instance itself is broken, a bug we cannot recover from.
        self.netpoll
            .poll(timeout, &mut woken)
            .expect("epoll_wait failed");
        self.timers
            .expire(Instant::now(), |token| woken.push(token));
        for token in woken {
            self.wake(token);
        }
        false
    }

    /// How long to sleep when no thread is ready: until the nearest
    /// deadline, or for as long as it takes a socket to become ready.
    fn blocking_timeout(&self) -> Option<Duration> {
        if let Some(deadline) = self.timers.next_deadline() {
            return Some(deadline.saturating_duration_since(Instant::now()));
        }
        assert!(
            self.netpoll.has_waiters(),
            "deadlock: every green thread is parked, and no socket or timer can wake one"
        );
        None
    }
}
// ANCHOR_END: poll

/// Runs `f` on this OS thread's netpoller; `None` outside `run`.
pub(crate) fn with_netpoll<R>(f: impl FnOnce(&mut NetPoll) -> R) -> Option<R> {
    SCHEDULER.with_borrow_mut(|scheduler| {
        scheduler.as_mut().map(|s| f(&mut s.netpoll))
    })
}

/// Runs `f` on this OS thread's timers.
pub(crate) fn with_timers<R>(f: impl FnOnce(&mut Timers) -> R) -> R {
    with_scheduler(|s| f(&mut s.timers))
}

// ANCHOR: spawn_raw
/// Adds a green thread that will run `task` on a stack of at least
/// `stack_size` bytes, and makes it ready. The untyped core of
/// [`spawn`](crate::spawn).
pub fn spawn_task(
    task: Box<dyn FnOnce()>,
    stack_size: usize,
    priority: u8,
) -> io::Result<ThreadId> {
    let stack = Stack::new(stack_size)?;
    with_scheduler(|s| {
        let id = s.threads.insert(GreenThread {
            context: Context::empty(), // set below, once we know the id
            task: Some(task),
            priority,
            finished: false,
            parked: false,
            wait: s.next_wait,
            stack,
        });
        s.next_wait += 1;
        let thread = s.threads.get_mut(id).expect("just inserted");
        // SAFETY: `thread.stack` is a fresh mapping owned by the thread's
        // record, which lives until the thread has finished; its top is
        // page-aligned.
        thread.context =
            unsafe { Context::new(thread.stack.top(), green_main, id.0) };
        s.policy.push(id, priority);
        Ok(id)
    })
}
// ANCHOR_END: spawn_raw

// ANCHOR: green_main
/// The first Rust code on every green thread's stack, called by the
/// trampoline with the thread's id.
extern "C" fn green_main(id: usize) -> ! {
    let id = ThreadId(id);
    let task =
        with_scheduler(|s| s.threads.get_mut(id).and_then(|t| t.task.take()));
    // `spawn` wrapped the task in `catch_unwind`, so no panic unwinds into
    // the trampoline (and `extern "C"` would abort if one tried).
    task.expect("a new thread has its task")();
    finish(id)
}

/// Marks the running thread finished and leaves its stack for good. Owns
/// nothing that needs dropping: what is left on this stack is never freed.
fn finish(id: ThreadId) -> ! {
    let (thread_context, loop_context) = with_scheduler(|s| {
        let thread = s.threads.get_mut(id).expect("the running thread exists");
        thread.finished = true;
        (&raw mut thread.context, &raw const s.loop_context)
    });
    // SAFETY: as in `yield_now`; the scheduler never resumes a finished
    // thread, it unmaps its stack instead.
    unsafe { context::switch(thread_context, loop_context) };
    unreachable!("a finished green thread was resumed");
}
// ANCHOR_END: green_main
