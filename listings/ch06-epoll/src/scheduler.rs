//! The scheduler loop: the top layer. It runs rounds of ready green
//! threads, and between rounds drives the netpoller and the timers, waking
//! the threads they name. It is the only code that resumes a green thread
//! or unmaps a stack.
//!
//! Everything runs on one OS thread. The loop runs on that OS thread's own
//! stack; every green thread switches back to it when it yields, parks or
//! finishes, and it switches into the next one.

use std::cell::Cell;
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::context::{self, Context};
use crate::netpoll::NetPoll;
use crate::park::suspend;
use crate::policy::{Policy, RoundRobin, ThreadId};
use crate::runtime::{self, Runtime, with_runtime};
use crate::stack::Stack;
use crate::table::Table;
use crate::thread::{DEFAULT_STACK_SIZE, GreenThread, State};
use crate::timer::Timers;
use crate::trace;

/// Installs a runtime on this OS thread, and removes it again when
/// dropped, also when `run` unwinds.
struct Installed;

impl Installed {
    fn new(policy: Box<dyn Policy>) -> Installed {
        runtime::install(Runtime {
            threads: Table::new(),
            policy,
            running: None,
            loop_context: Context::empty(),
            netpoll: NetPoll::new()
                .expect("failed to create an epoll instance"),
            timers: Timers::default(),
            next_turn: 0,
        });
        Installed
    }
}

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
    // `main`'s result, or its panic, as `spawn` keeps a thread's.
    let outcome = Rc::new(Cell::new(None));
    let slot = Rc::clone(&outcome);
    let main =
        move || slot.set(Some(panic::catch_unwind(AssertUnwindSafe(main))));
    spawn_task(Box::new(main), DEFAULT_STACK_SIZE, 0)
        .expect("failed to map the main green thread's stack");
    let mut round = Vec::new();
    // ANCHOR: round
    loop {
        // Between rounds: look at epoll and the timers without waiting, then
        // take every ready thread. Only if none is ready, wait until one is.
        let all_finished = with_runtime(|rt| {
            let mut may_block = false;
            loop {
                if poll(rt, may_block) {
                    return true;
                }
                while let Some(id) = rt.policy.pop() {
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
            resume(id);
        }
    }
    // ANCHOR_END: round
    match outcome
        .take()
        .expect("every thread has finished, `main` too")
    {
        Ok(value) => value,
        Err(panic) => panic::resume_unwind(panic),
    }
}
// ANCHOR_END: run

// ANCHOR: installed_drop
impl Drop for Installed {
    fn drop(&mut self) {
        let runtime = runtime::uninstall();
        // `run` returns only once every thread has finished. A thread still
        // in the table means a panic is unwinding out of the scheduler loop
        // while it is suspended, and its stack may still be borrowed: check
        // before anything is dropped.
        if let Some(rt) = &runtime
            && !rt.threads.is_empty()
        {
            fatal(&format!(
                "the scheduler panicked while {} green thread(s) were \
                 suspended; their stacks may still be borrowed, so they can \
                 be neither freed nor resumed",
                rt.threads.len()
            ));
        }
    }
}

/// Ends the process with `message`: the runtime cannot go on, and the
/// suspended green threads can neither run again nor give their stacks
/// back. Like Go's "fatal error", this is not a panic: unwinding would
/// free what they may still point into.
fn fatal(message: &str) -> ! {
    // Straight to file descriptor 2, which no output capture intercepts.
    let _ = writeln!(io::stderr(), "green threads: {message}: aborting");
    std::process::abort()
}
// ANCHOR_END: installed_drop

// ANCHOR: resume
/// Switches from the scheduler loop into green thread `id` for one turn and
/// returns when it yields, parks or finishes. A finished thread's stack is
/// unmapped here, on the scheduler's own stack.
fn resume(id: ThreadId) {
    let (loop_context, thread_context) = with_runtime(|rt| {
        let turn = rt.next_turn;
        rt.next_turn += 1;
        rt.running = Some(id);
        let thread = rt.threads.get_mut(id).expect("a ready thread exists");
        thread.start_turn(turn);
        (&raw mut rt.loop_context, &raw const thread.context)
    });
    trace::resume(id);
    // SAFETY: both contexts live in the installed runtime, which outlives
    // the switch; the thread's context was saved by `switch` or made by
    // `Context::new` on its own, still mapped, stack; no borrow is held.
    unsafe { context::switch(loop_context, thread_context) };
    let finished = with_runtime(|rt| {
        rt.running = None;
        let thread = rt.threads.get(id)?;
        (thread.state() == State::Finished)
            .then(|| rt.threads.remove(id))
            .flatten()
    });
    drop(finished);
}
// ANCHOR_END: resume

// ANCHOR: poll
/// Between two rounds: asks epoll and the timers which parked threads may
/// run again, and makes them ready. Blocks in `epoll_wait` only if
/// `may_block` (no thread is ready). Returns true once every green thread
/// has finished.
fn poll(rt: &mut Runtime, may_block: bool) -> bool {
    if rt.threads.is_empty() {
        return true;
    }
    let timeout = if may_block {
        blocking_timeout(rt)
    } else {
        Some(Duration::ZERO)
    };
    let mut woken = Vec::new();
    // EINTR already counts as "nothing ready"; any other error means the
    // epoll instance itself is broken, a bug we cannot recover from.
    rt.netpoll
        .poll(timeout, &mut woken)
        .expect("epoll_wait failed");
    rt.timers.expire(Instant::now(), |token| woken.push(token));
    for token in woken {
        rt.wake(token);
    }
    false
}

/// How long to sleep when no thread is ready: until the nearest deadline,
/// or for as long as it takes a socket to become ready. If neither can
/// ever come, no green thread will run again.
fn blocking_timeout(rt: &Runtime) -> Option<Duration> {
    if let Some(deadline) = rt.timers.next_deadline() {
        return Some(deadline.saturating_duration_since(Instant::now()));
    }
    if !rt.netpoll.has_waiters() {
        fatal(
            "deadlock: every green thread is parked, and no socket or timer \
             can wake one",
        );
    }
    None
}
// ANCHOR_END: poll

// ANCHOR: spawn_raw
/// Adds a green thread that will run `task` on a stack of at least
/// `stack_size` bytes, and makes it ready. The untyped core of
/// `spawn`.
pub fn spawn_task(
    task: Box<dyn FnOnce()>,
    stack_size: usize,
    priority: u8,
) -> io::Result<ThreadId> {
    let stack = Stack::new(stack_size)?;
    with_runtime(|rt| {
        let id = rt.threads.insert(GreenThread::new(task, priority, stack));
        let thread = rt.threads.get_mut(id).expect("just inserted");
        // SAFETY: `thread.stack` is a fresh mapping owned by the thread's
        // record, which lives until the thread has finished; its top is
        // page-aligned.
        thread.context =
            unsafe { Context::new(thread.stack.top(), green_main, id.0) };
        rt.policy.push(id, priority);
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
        with_runtime(|rt| rt.threads.get_mut(id).and_then(|t| t.task.take()));
    // `spawn` wrapped the task in `catch_unwind`, so no panic unwinds into
    // the trampoline (and `extern "C"` would abort if one tried).
    task.expect("a new thread has its task")();
    // Owns nothing that needs dropping: what is left on this stack is never
    // freed. The scheduler never resumes a finished thread; it unmaps its
    // stack instead.
    suspend(|rt, id| {
        rt.threads.get_mut(id).expect("the running thread").finish();
    });
    unreachable!("a finished green thread was resumed");
}
// ANCHOR_END: green_main
