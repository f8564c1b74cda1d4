//! A round-robin scheduler for green threads on one OS thread. A green thread
//! that must wait for a socket or a deadline parks; between rounds the
//! scheduler asks epoll which sockets are ready and makes their threads
//! runnable again.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::os::fd::RawFd;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use crate::context::{self, Context};
use crate::netpoll::{Interest, NetPoll};
use crate::stack::Stack;
use crate::timer::Timers;

/// Usable stack of every green thread (plus one guard page).
pub const STACK_SIZE: usize = 64 * 1024;

/// Names one wait of one green thread. Waking a token whose wait has already
/// ended does nothing, so stale tokens (a deadline that lost the race against
/// readiness) are harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WakeToken {
    thread: usize,
    wait: u64,
}

#[derive(PartialEq, Eq)]
enum State {
    Runnable,
    Parked,
    Finished,
}

struct GreenThread {
    context: Context,
    // Never read: owning it keeps the stack mapped until the thread is removed.
    _stack: Stack,
    state: State,
    /// Number of the wait this thread is in, or will be in when it next parks.
    wait: u64,
    task: Option<Box<dyn FnOnce()>>,
}

struct Scheduler {
    /// Boxed so a thread's `Context` keeps its address while the Vec grows.
    threads: Vec<Option<Box<GreenThread>>>,
    free_slots: Vec<usize>,
    run_queue: VecDeque<usize>,
    current: Option<usize>,
    /// Where `switch_to_scheduler` returns to: the loop in `run`.
    scheduler_context: Box<Context>,
    next_wait: u64,
    netpoll: NetPoll,
    timers: Timers,
}

thread_local! {
    static SCHEDULER: RefCell<Option<Scheduler>> = const { RefCell::new(None) };
}

/// Runs `f` on this OS thread's scheduler. The borrow ends before `f`'s caller
/// switches stacks, so a green thread never switches away while holding it.
fn with<R>(f: impl FnOnce(&mut Scheduler) -> R) -> R {
    SCHEDULER.with_borrow_mut(|scheduler| f(scheduler.as_mut().expect("not inside green::run")))
}

// ANCHOR: run
/// Runs `main` as the first green thread and returns its result once every
/// green thread has finished.
pub fn run<T: 'static>(main: impl FnOnce() -> T + 'static) -> io::Result<T> {
    let scheduler = Scheduler::new()?;
    SCHEDULER.with_borrow_mut(|slot| {
        assert!(slot.is_none(), "green::run is already running on this OS thread");
        *slot = Some(scheduler);
    });
    let outcome = spawn(main).and_then(|main| {
        schedule()?;
        Ok(main)
    });
    // Drops every stack, the poller and whatever the threads left behind.
    SCHEDULER.take();
    match outcome?.take_result() {
        Some(Ok(value)) => Ok(value),
        Some(Err(panic)) => panic::resume_unwind(panic),
        None => unreachable!("schedule() returns only when every thread has finished"),
    }
}
// ANCHOR_END: run

// ANCHOR: schedule
/// The scheduler loop: run every runnable thread once (a round), then look
/// at epoll and the timers without blocking; block only if nothing can run.
fn schedule() -> io::Result<()> {
    let mut ready = Vec::new();
    loop {
        let round = with(|s| s.run_queue.len());
        for _ in 0..round {
            if let Some(id) = with(|s| s.run_queue.pop_front()) {
                resume(id);
            }
        }
        let done = with(|s| -> io::Result<bool> {
            if s.threads.iter().all(Option::is_none) {
                return Ok(true);
            }
            let timeout = s.poll_timeout()?;
            s.netpoll.poll(timeout, &mut ready)?;
            s.timers.expire(Instant::now(), |token| ready.push(token));
            for token in ready.drain(..) {
                s.wake(token);
            }
            Ok(false)
        })?;
        if done {
            return Ok(());
        }
    }
}

impl Scheduler {
    /// Zero while threads are runnable; until the nearest deadline if they are
    /// all parked; forever if only sockets can wake them.
    fn poll_timeout(&self) -> io::Result<Option<Duration>> {
        if !self.run_queue.is_empty() {
            return Ok(Some(Duration::ZERO));
        }
        if let Some(deadline) = self.timers.next_deadline() {
            return Ok(Some(deadline.saturating_duration_since(Instant::now())));
        }
        if self.netpoll.has_waiters() {
            return Ok(None);
        }
        Err(io::Error::other("deadlock: every green thread is parked and nothing can wake one"))
    }
}
// ANCHOR_END: schedule

/// Switches from the scheduler loop to green thread `id` and, once it
/// switches back, removes it if it has finished.
fn resume(id: usize) {
    let (from, to) = with(|s| {
        s.current = Some(id);
        let thread = s.threads[id].as_mut().expect("queued threads exist");
        (&raw mut *s.scheduler_context, &raw const thread.context)
    });
    // SAFETY: both contexts live in boxes the scheduler owns; `to` was made by
    // `Context::new` or saved by `switch_to_scheduler`, and its stack is mapped
    // until the thread is removed below.
    unsafe { context::switch(from, to) };
    with(|s| {
        s.current = None;
        if s.threads[id].as_ref().is_some_and(|t| t.state == State::Finished) {
            // Safe to unmap now: we are back on the scheduler's own stack.
            s.threads[id] = None;
            s.free_slots.push(id);
        }
    });
}

/// Switches from the running green thread back to the scheduler loop. It
/// returns when the scheduler resumes this thread.
fn switch_to_scheduler() {
    let (from, to) = with(|s| {
        let id = s.current.expect("called from a green thread");
        let thread = s.threads[id].as_mut().expect("the running thread exists");
        (&raw mut thread.context, &raw const *s.scheduler_context)
    });
    // SAFETY: the scheduler context was saved by `resume`, which is waiting on
    // the scheduler's stack; our own context stays boxed until we finish.
    unsafe { context::switch(from, to) };
}

impl Scheduler {
    fn new() -> io::Result<Scheduler> {
        Ok(Scheduler {
            threads: Vec::new(),
            free_slots: Vec::new(),
            run_queue: VecDeque::new(),
            current: None,
            scheduler_context: Box::new(Context::empty()),
            next_wait: 0,
            netpoll: NetPoll::new()?,
            timers: Timers::default(),
        })
    }

    fn fresh_wait(&mut self) -> u64 {
        self.next_wait += 1;
        self.next_wait
    }

    fn add(&mut self, context: Context, stack: Stack, task: Box<dyn FnOnce()>) {
        let wait = self.fresh_wait();
        let thread = Box::new(GreenThread {
            context,
            _stack: stack,
            state: State::Runnable,
            wait,
            task: Some(task),
        });
        let id = match self.free_slots.pop() {
            Some(id) => {
                self.threads[id] = Some(thread);
                id
            }
            None => {
                self.threads.push(Some(thread));
                self.threads.len() - 1
            }
        };
        self.run_queue.push_back(id);
    }

    fn current_thread(&mut self) -> &mut GreenThread {
        let id = self.current.expect("called from a green thread");
        self.threads[id].as_mut().expect("the running thread exists")
    }

    // ANCHOR: wake
    fn wake(&mut self, token: WakeToken) {
        let fresh = self.fresh_wait();
        let Some(Some(thread)) = self.threads.get_mut(token.thread) else {
            return;
        };
        if thread.state == State::Parked && thread.wait == token.wait {
            thread.state = State::Runnable;
            thread.wait = fresh;
            self.run_queue.push_back(token.thread);
        }
    }
    // ANCHOR_END: wake
}

// ANCHOR: spawn
/// Starts `f` on a new green thread with its own stack. It first runs when the
/// current thread yields or parks.
pub fn spawn<T: 'static>(f: impl FnOnce() -> T + 'static) -> io::Result<JoinHandle<T>> {
    let state = Rc::new(JoinState::default());
    let finished = Rc::clone(&state);
    // A panic ends only its own green thread; `join` passes it on.
    let task = Box::new(move || finished.finish(panic::catch_unwind(AssertUnwindSafe(f))));
    let stack = Stack::new(STACK_SIZE)?;
    // SAFETY: the stack's top is page-aligned, and the stack stays mapped
    // and unused by anyone else until the scheduler removes this thread.
    let context = unsafe { Context::new(stack.top(), thread_start, 0) };
    with(|s| s.add(context, stack, task));
    Ok(JoinHandle { state })
}

extern "C" fn thread_start(_arg: usize) -> ! {
    let task = with(|s| s.current_thread().task.take()).expect("a new thread has a task");
    task(); // never unwinds: `spawn` wrapped it in catch_unwind
    with(|s| s.current_thread().state = State::Finished);
    switch_to_scheduler();
    unreachable!("a finished green thread was resumed");
}
// ANCHOR_END: spawn

/// Lets every other runnable green thread run once before this one continues.
pub fn yield_now() {
    with(|s| {
        let id = s.current.expect("called from a green thread");
        s.run_queue.push_back(id);
    });
    switch_to_scheduler();
}

// ANCHOR: park
/// A token for the current green thread's next `park`.
pub fn current_token() -> WakeToken {
    with(|s| {
        let thread = s.current.expect("called from a green thread");
        let wait = s.current_thread().wait;
        WakeToken { thread, wait }
    })
}

/// Takes the current green thread off the run queue until someone wakes a
/// token taken since it last woke up. Other threads run meanwhile.
pub fn park() {
    with(|s| s.current_thread().state = State::Parked);
    switch_to_scheduler();
}

/// Makes the thread that `token` names runnable, if it is still in that wait.
pub fn wake(token: WakeToken) {
    with(|s| s.wake(token));
}
// ANCHOR_END: park

// ANCHOR: park_on
/// Parks the current green thread until `fd` may be ready for `interest`
/// (or `deadline` passes). The caller must have just seen `EAGAIN`: the
/// registration is edge-triggered, so readiness that came earlier is not
/// reported again.
pub fn park_on(fd: RawFd, interest: Interest, deadline: Option<Instant>) {
    let token = current_token();
    with(|s| {
        s.netpoll.wait_for(fd, interest, token);
        if let Some(deadline) = deadline {
            s.timers.add(deadline, token);
        }
    });
    park();
    // Woken by the deadline? Then our registration is still there: drop it.
    with(|s| s.netpoll.cancel(fd, interest, token));
}
// ANCHOR_END: park_on

/// Registers a socket with this thread's netpoller (see `net`).
pub fn register(fd: RawFd) -> io::Result<()> {
    with(|s| s.netpoll.register(fd))
}

/// Deregisters a socket; does nothing once `run` has returned.
pub fn deregister(fd: RawFd) -> io::Result<()> {
    SCHEDULER.with_borrow_mut(|scheduler| match scheduler {
        Some(s) => s.netpoll.deregister(fd),
        None => Ok(()),
    })
}

// ANCHOR: sleep
/// Parks the current green thread for at least `duration`; other green
/// threads run meanwhile.
pub fn sleep(duration: Duration) {
    let deadline = Instant::now() + duration;
    while Instant::now() < deadline {
        let token = current_token();
        with(|s| s.timers.add(deadline, token));
        park();
    }
}
// ANCHOR_END: sleep

/// Owns the result of a green thread.
pub struct JoinHandle<T> {
    state: Rc<JoinState<T>>,
}

struct JoinState<T> {
    result: RefCell<Option<thread::Result<T>>>,
    joiner: Cell<Option<WakeToken>>,
}

impl<T> Default for JoinState<T> {
    fn default() -> Self {
        JoinState {
            result: RefCell::new(None),
            joiner: Cell::new(None),
        }
    }
}

impl<T> JoinState<T> {
    fn finish(&self, result: thread::Result<T>) {
        *self.result.borrow_mut() = Some(result);
        if let Some(joiner) = self.joiner.take() {
            wake(joiner);
        }
    }
}

impl<T> JoinHandle<T> {
    /// Parks until the thread has finished and returns its result; a panic in
    /// the thread continues in the caller.
    pub fn join(self) -> T {
        loop {
            match self.take_result() {
                Some(Ok(value)) => return value,
                Some(Err(panic)) => panic::resume_unwind(panic),
                None => {
                    self.state.joiner.set(Some(current_token()));
                    park();
                }
            }
        }
    }

    fn take_result(&self) -> Option<thread::Result<T>> {
        self.state.result.borrow_mut().take()
    }
}
