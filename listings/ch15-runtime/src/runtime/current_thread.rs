//! The runtime: chapter 11's executor with the reactor in the place of its
//! parker. Between rounds it asks the reactor, without waiting, what has
//! become ready; when nothing at all can run, the thread sleeps in
//! `epoll_wait` instead of `thread::park`, so that a socket's readiness
//! and a wake from another thread (the eventfd) both end its sleep.
//!
//! It drives tasks through the `Schedule` trait and the `task` module's
//! handles, and turns the reactor; neither knows it exists.
//!
//! Chapter 15 keeps it as the current-thread flavour, with three changes:
//! [`Builder`](super::Builder) moved to `builder.rs`, which makes either
//! flavour; every poll (of a task, and of the main future) runs inside
//! [`coop::budget`], so a task that is always ready yields after
//! [`coop::INITIAL`] operations instead of holding the thread; and while
//! there is work to run, it looks at the reactor once every
//! `event_interval` polls (tokio's rule) instead of after every round.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::pin;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_task::{ArcWake, waker_ref};

use super::{Config, Entered, Metrics};
use crate::blocking::{self, Pool};
use crate::coop;
use crate::inject::Inject;
use crate::owned::OwnedTasks;
use crate::reactor::{self, Reactor};
use crate::task::{self, JoinHandle, Notified, Ran, Schedule};
use crate::time::{self, Timer};
use crate::trace::{self, Actor};

// ANCHOR: types
/// A single-threaded async runtime with I/O: spawned tasks and one main
/// future, polled on the thread that made it, and a reactor for their
/// sockets.
pub struct Runtime {
    local: Local,
    // A runtime stays on its thread: its run queue is reached without a
    // lock through a thread-local, and only that thread turns its reactor.
    _not_send: PhantomData<*const ()>,
}

/// What only the runtime's own thread touches.
struct Local {
    shared: Arc<Shared>,
    core: RefCell<Core>,
    /// Turned by this thread only; `RefCell` because a turn needs `&mut`.
    reactor: RefCell<Reactor>,
    /// While work is queued, a look at the reactor once every this many
    /// polls; 1 is chapter 12's look after every round.
    event_interval: u32,
    timer: Timer,
    /// Threads for blocking work; dropped last, after the tasks and the
    /// reactor, and its drop waits for the jobs that are running.
    blocking: Pool,
}

/// What wakers on any thread touch. Every task keeps an `Arc` of it, to
/// find its way back into a run queue (`Schedule`, below).
struct Shared {
    /// Tasks woken on other threads.
    inject: Inject,
    /// Wakes the runtime's thread when it sleeps in the reactor.
    reactor: reactor::Handle,
    /// The main future was woken: poll it at the next round boundary.
    main_woken: AtomicBool,
}
// ANCHOR_END: types

struct Core {
    /// Tasks ready to be polled, in the order they were woken.
    run_queue: VecDeque<Notified>,
    /// Every task that has not completed.
    tasks: OwnedTasks,
    /// Polls (of tasks and of the main future) since the last turn of the
    /// reactor.
    since_turn: u32,
    metrics: Metrics,
}

thread_local! {
    /// The runtime whose `block_on` is running on this thread, if any.
    static CURRENT: Cell<*const Local> = const { Cell::new(ptr::null()) };
}

impl Runtime {
    /// Makes the runtime: an epoll instance and an eventfd, no thread.
    pub(crate) fn new(config: &Config) -> io::Result<Runtime> {
        let reactor = Reactor::new(config.mode, config.events)?;
        Ok(Runtime {
            local: Local {
                shared: Arc::new(Shared {
                    inject: Inject::default(),
                    reactor: reactor.handle(),
                    main_woken: AtomicBool::new(false),
                }),
                core: RefCell::new(Core {
                    run_queue: VecDeque::new(),
                    tasks: OwnedTasks::default(),
                    since_turn: 0,
                    metrics: Metrics::default(),
                }),
                timer: Timer::new({
                    let reactor = reactor.handle();
                    move || reactor.notify()
                }),
                reactor: RefCell::new(reactor),
                event_interval: config.event_interval,
                blocking: Pool::new(config.blocking),
            },
            _not_send: PhantomData,
        })
    }

    // ANCHOR: block_on
    /// Runs `future` to completion on this thread, and the spawned tasks
    /// with it; returns its output. Tasks still pending then stay in the
    /// runtime, for the next `block_on` or the runtime's drop.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = self.local.enter();
        let shared = &self.local.shared;
        // The main future's waker is the runtime's own, lent to every poll.
        let waker = waker_ref(shared);
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        shared.main_woken.store(true, Ordering::Relaxed);
        loop {
            // Clear before polling: a wake during the poll must survive.
            if shared.main_woken.swap(false, Ordering::Acquire) {
                let mut core = self.local.core.borrow_mut();
                core.metrics.main_polls += 1;
                core.since_turn += 1;
                drop(core);
                let poll = coop::budget(|| {
                    traced_poll(Actor::Main, || future.as_mut().poll(&mut cx))
                });
                if let Poll::Ready(output) = poll {
                    return output;
                }
            }
            self.local.run_round();
            self.local.turn();
        }
    }
    // ANCHOR_END: block_on

    /// Spawns a task on this runtime; it runs when `block_on` does.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.local.spawn(future)
    }

    pub fn metrics(&self) -> Metrics {
        let mut metrics = self.local.core.borrow().metrics;
        metrics.timer_threads = self.local.timer.threads_started();
        metrics
    }

    /// How many tasks have not completed.
    pub fn live_tasks(&self) -> usize {
        self.local.core.borrow().tasks.len()
    }

    /// How many sockets are registered with the reactor.
    pub fn registrations(&self) -> usize {
        self.local.reactor.borrow().registrations()
    }

    // ANCHOR: blocking_api
    /// Runs `func` on this runtime's blocking pool, like tokio's
    /// `Runtime::spawn_blocking`, inside `block_on` or outside it.
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.local.blocking.spawner().spawn(func)
    }

    /// What the blocking pool holds and has done.
    pub fn blocking_metrics(&self) -> blocking::Metrics {
        self.local.blocking.spawner().metrics()
    }

    /// Shuts the runtime down like dropping it, but waits at most
    /// `timeout` for blocking jobs that are running; those still running
    /// then are left to finish on their threads, which exit after them.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.local.blocking.set_patience(Some(timeout));
    }

    /// Shuts the runtime down without waiting for blocking jobs at all.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }
    // ANCHOR_END: blocking_api
}

/// Marks this thread as running `local` until dropped.
struct Enter {
    _entered: Entered,
    _timer: time::Enter,
    _reactor: reactor::Enter,
    _blocking: blocking::Enter,
    actor: Option<Actor>,
}

impl Local {
    fn enter(&self) -> Enter {
        let entered = Entered::new();
        CURRENT.with(|current| current.set(self));
        Enter {
            _entered: entered,
            _timer: self.timer.enter(),
            _reactor: self.reactor.borrow().enter(),
            _blocking: blocking::enter(self.blocking.spawner()),
            actor: trace::set_actor(Some(Actor::Executor)),
        }
    }

    // ANCHOR: round
    /// Runs one round: every task that is in the run queue when the round
    /// starts, once each, in queue order. Tasks woken meanwhile (including
    /// a task by itself) join the back of the queue and wait for the next
    /// round.
    fn run_round(&self) {
        let ready = {
            let mut core = self.core.borrow_mut();
            let core = &mut *core;
            self.shared.inject.drain_into(&mut core.run_queue);
            core.run_queue.len()
        };
        for _ in 0..ready {
            let Some(task) = self.core.borrow_mut().run_queue.pop_front()
            else {
                break;
            };
            let id = task.id();
            // Chapter 15: each poll has a budget of operations.
            let spent = coop::exhausted();
            let ran = coop::budget(|| traced_run(id, task));
            let mut core = self.core.borrow_mut();
            core.metrics.polls += 1;
            core.since_turn += 1;
            core.metrics.budget_yields += coop::exhausted() - spent;
            match ran {
                Ran::Idle => {}
                Ran::Requeue(task) => core.run_queue.push_back(task),
                Ran::Completed(entry) => {
                    let listed = core.tasks.remove(id);
                    drop(core);
                    // The entry's and the list's references, perhaps the
                    // last, in one step: outside the borrow, since freeing
                    // a task runs its drops.
                    entry.release_with(listed);
                }
            }
        }
    }
    // ANCHOR_END: round

    // ANCHOR: turn
    /// Between rounds: asks the reactor what has become ready. If a task
    /// is queued, or the main future was woken, it only looks (timeout 0),
    /// and only once `event_interval` polls have run since the last look,
    /// so that I/O gets in regularly without a system call for every
    /// round of a few tasks. If nothing can run, the thread sleeps in
    /// `epoll_wait` until a socket is ready, another thread wakes it
    /// through the eventfd, or the nearest timer's deadline comes. Then
    /// the timers that are due fire.
    fn turn(&self) {
        let idle = self.core.borrow().run_queue.is_empty()
            && !self.shared.main_woken.load(Ordering::Acquire);
        if !idle && self.core.borrow().since_turn < self.event_interval {
            return;
        }
        if idle {
            trace::record(|| "Note over E: nothing to run".into());
        }
        // Asleep: until the nearest deadline, or an event if no timer waits.
        let timeout = if idle {
            self.timer.park_timeout()
        } else {
            Some(Duration::ZERO)
        };
        let turned = self.reactor.borrow_mut().turn(timeout);
        let delivered = match turned {
            Ok(turn) => turn.delivered,
            // EINTR is retried inside; what is left (EBADF, EINVAL) means
            // the epoll instance itself is broken.
            Err(e) => panic!("the reactor cannot wait for events: {e}"),
        };
        // Every timer that is due wakes its task here, on this thread.
        self.timer.expire();
        let mut core = self.core.borrow_mut();
        core.since_turn = 0;
        core.metrics.turns += 1;
        core.metrics.parks += u64::from(idle);
        core.metrics.io_events += delivered as u64;
    }
    // ANCHOR_END: turn

    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let mut core = self.core.borrow_mut();
        let id = core.tasks.next_id();
        let (task, notified, handle) =
            task::new(future, Arc::clone(&self.shared), id);
        core.tasks.insert(task);
        core.run_queue.push_back(notified);
        core.metrics.spawned += 1;
        trace::record(|| format!("{}->>E: spawn T{id}", trace::actor()));
        handle
    }
}

/// Polls the main future as the actor `main` of the trace.
fn traced_poll<T>(actor: Actor, poll: impl FnOnce() -> Poll<T>) -> Poll<T> {
    trace::record(|| "E->>main: poll".into());
    let previous = trace::set_actor(Some(actor));
    let poll = poll();
    trace::set_actor(previous);
    trace::record(|| {
        let answer = if poll.is_ready() { "Ready" } else { "Pending" };
        format!("main-->>E: {answer}")
    });
    poll
}

/// Runs a task as the actor `T{id}` of the trace.
fn traced_run(id: usize, task: Notified) -> Ran {
    trace::record(|| format!("E->>T{id}: poll"));
    let previous = trace::set_actor(Some(Actor::Task(id)));
    let ran = task.run();
    trace::set_actor(previous);
    trace::record(|| {
        let answer = match ran {
            Ran::Completed(_) => "Ready",
            _ => "Pending",
        };
        format!("T{id}-->>E: {answer}")
    });
    ran
}

impl Drop for Enter {
    fn drop(&mut self) {
        trace::set_actor(self.actor);
        CURRENT.with(|current| current.set(ptr::null()));
    }
}

// ANCHOR: schedule
impl Schedule for Shared {
    fn schedule(&self, task: Notified) -> Option<Notified> {
        let local = CURRENT.with(Cell::get);
        // SAFETY: CURRENT points to a live `Local` while it is set: `enter`
        // sets it for the length of a `block_on`, which borrows the runtime.
        if let Some(local) = unsafe { local.as_ref() }
            && ptr::eq(Arc::as_ptr(&local.shared), self)
            && let Ok(mut core) = local.core.try_borrow_mut()
        {
            // Woken on the runtime's own thread (by a task, or by the
            // reactor in a turn): no lock, no system call.
            trace::record(|| {
                format!("{}->>E: wake T{}", trace::actor(), task.id())
            });
            core.run_queue.push_back(task);
            return None;
        }
        // Woken on another thread (or while the run queue is in use).
        let id = task.id();
        let rejected = self.inject.push(task);
        if rejected.is_none() {
            trace::record(|| {
                format!("{}->>E: wake T{id}: injected, notify", trace::actor())
            });
            self.reactor.notify();
        }
        rejected
    }
}
// ANCHOR_END: schedule

/// The main future's waker.
impl ArcWake for Shared {
    fn wake_by_ref(arc_self: &Arc<Shared>) {
        arc_self.main_woken.store(true, Ordering::Release);
        let local = CURRENT.with(Cell::get);
        // SAFETY: as in `schedule`.
        let on_our_thread = unsafe { local.as_ref() }
            .is_some_and(|local| Arc::ptr_eq(&local.shared, arc_self));
        if on_our_thread {
            trace::record(|| format!("{}->>E: wake main", trace::actor()));
        } else {
            trace::record(|| {
                format!("{}->>E: wake main: notify", trace::actor())
            });
            arc_self.reactor.notify();
        }
    }
}

// ANCHOR: shutdown
impl Drop for Runtime {
    /// Shuts down: every task that has not completed has its future
    /// dropped here, on the runtime's thread, and its `JoinHandle` reports
    /// it cancelled; their sockets deregister as they go. Wakers that
    /// outlive the runtime find closed tasks and do nothing.
    fn drop(&mut self) {
        let local = &self.local;
        // From now on, wakes from other threads are refused.
        let injected = local.shared.inject.close();
        let tasks = local.core.borrow_mut().tasks.take_all();
        for task in &tasks {
            task.shut_down();
        }
        // Queue entries and list entries give back their references; the
        // last one of each task frees it.
        let queued = std::mem::take(&mut local.core.borrow_mut().run_queue);
        drop((injected, queued, tasks));
        // Then the fields: the reactor marks the slots of sockets that
        // outlive it shut down; the timers wake whoever still waits; the
        // blocking pool cancels its queued jobs and waits for its running
        // ones.
    }
}
// ANCHOR_END: shutdown

/// Spawns `future` on the current-thread runtime running on this thread;
/// gives the future back if there is none.
pub(crate) fn try_spawn<F>(future: F) -> Result<JoinHandle<F::Output>, F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let local = CURRENT.with(Cell::get);
    // SAFETY: as in `schedule`.
    match unsafe { local.as_ref() } {
        Some(local) => Ok(local.spawn(future)),
        None => Err(future),
    }
}
