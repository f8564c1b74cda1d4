//! The scheduler: a table of green threads, a policy choosing the next one,
//! and the loop that switches into each and waits for it to switch back.
//!
//! Everything runs on one OS thread. The scheduler loop runs on that OS
//! thread's own stack; every green thread switches back to it when it
//! yields or finishes, and it switches into the next one.
//!
//! It sits below `spawn.rs`, which builds the typed API on `spawn_task` and
//! `yield_now`, and imports nothing from it.

use crate::context::{self, Context};
use crate::policy::{Policy, RoundRobin, ThreadId};
use crate::stack::Stack;
use crate::table::Table;
use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

/// Stack size of a green thread unless its `Builder` says otherwise.
pub const DEFAULT_STACK_SIZE: usize = 64 * 1024;

// ANCHOR: state
/// One green thread, as the scheduler sees it.
struct GreenThread {
    /// Where it is suspended (meaningless while it runs).
    context: Context,
    /// What it runs, until it starts.
    task: Option<Box<dyn FnOnce()>>,
    priority: u8,
    finished: bool,
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
            });
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
    while let Some(next) = with_scheduler(|s| s.policy.pop()) {
        resume(next);
    }
    match outcome
        .take()
        .expect("every thread has finished, `main` too")
    {
        Ok(value) => value,
        Err(panic) => panic::resume_unwind(panic),
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let scheduler = SCHEDULER.take();
        // `run` returns only once every thread has finished. A thread still
        // in the table means a panic is unwinding out of the scheduler loop
        // (a bug, or a `Policy` that panicked) while that thread is
        // suspended. Its frames may have lent their locals to another OS
        // thread (`std::thread::scope`) or pinned them, and both promise
        // that the memory stays valid until the frame itself ends: so its
        // stack must not be unmapped. Check before anything is dropped.
        if let Some(scheduler) = &scheduler
            && !scheduler.threads.is_empty()
        {
            abort_with_suspended_threads(scheduler.threads.len());
        }
    }
}

/// Ends the process: the scheduler failed, and the suspended green threads
/// can neither run again nor give their stacks back.
fn abort_with_suspended_threads(suspended: usize) -> ! {
    // Straight to file descriptor 2, which no output capture intercepts.
    let _ = writeln!(
        io::stderr(),
        "green threads: the scheduler panicked while {suspended} green \
         thread(s) were suspended; their stacks may still be borrowed, so \
         they can be neither freed nor resumed: aborting"
    );
    std::process::abort()
}
// ANCHOR_END: run

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
    let (thread_context, loop_context) = with_scheduler(|s| {
        let id = s.running.expect("yield_now called outside a green thread");
        let thread = s.threads.get_mut(id).expect("the running thread exists");
        s.policy.push(id, thread.priority);
        (&raw mut thread.context, &raw const s.loop_context)
    });
    // SAFETY: the scheduler loop suspended itself into `loop_context` when
    // it resumed us; our own context stays in the table while we are away.
    unsafe { context::switch(thread_context, loop_context) };
}
// ANCHOR_END: yield_now

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
    with_scheduler(|s| {
        let id = s.threads.insert(GreenThread {
            context: Context::empty(), // set below, once we know the id
            task: Some(task),
            priority,
            finished: false,
            stack,
        });
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
