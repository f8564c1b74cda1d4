//! The executor: a run queue, the loop that drains it, and `block_on`,
//! which polls the main future between rounds and sleeps when nothing is
//! ready. One thread: every task of a `Runtime` is polled on the thread
//! that made it (chapter 15 adds more).
//!
//! It drives tasks through the `Schedule` trait and the `task` module's
//! handles, parks through `parker`, and lends its timer to the futures it
//! polls; none of those modules knows it exists.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::pin;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_task::{ArcWake, waker_ref};

use crate::inject::Inject;
use crate::owned::OwnedTasks;
use crate::parker::{Parker, Unparker};
use crate::task::{self, JoinHandle, Notified, Ran, Schedule};
use crate::time::{self, Timer};
use crate::trace;

// ANCHOR: types
/// A single-threaded async runtime: spawned tasks and one main future,
/// polled on the thread that made it.
pub struct Runtime {
    local: Local,
    // A runtime stays on its thread: its parker wakes that thread, and its
    // run queue is reached without a lock through a thread-local.
    _not_send: PhantomData<*const ()>,
}

/// What only the runtime's own thread touches.
struct Local {
    shared: Arc<Shared>,
    core: RefCell<Core>,
    parker: Parker,
    timer: Timer,
}

/// What wakers on any thread touch. Every task keeps an `Arc` of it, to
/// find its way back into a run queue (`Schedule`, below).
struct Shared {
    /// Tasks woken on other threads.
    inject: Inject,
    /// Wakes the runtime's thread when it sleeps.
    unparker: Unparker,
    /// The main future was woken: poll it at the next round boundary.
    main_woken: AtomicBool,
}

struct Core {
    /// Tasks ready to be polled, in the order they were woken.
    run_queue: VecDeque<Notified>,
    /// Every task that has not completed.
    tasks: OwnedTasks,
    metrics: Metrics,
}
// ANCHOR_END: types

/// Counts of what a runtime has done, for tests and curious readers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Tasks spawned.
    pub spawned: u64,
    /// Times a task was run (polled, or cancelled by its executor).
    pub polls: u64,
    /// Times the main future was polled.
    pub main_polls: u64,
    /// Times the thread went to sleep with nothing ready.
    pub parks: u64,
    /// Timer threads started (0 or 1).
    pub timer_threads: u64,
}

thread_local! {
    /// The runtime whose `block_on` is running on this thread, if any.
    static CURRENT: Cell<*const Local> = const { Cell::new(ptr::null()) };
}

impl Runtime {
    pub fn new() -> Runtime {
        let parker = Parker::new();
        Runtime {
            local: Local {
                shared: Arc::new(Shared {
                    inject: Inject::default(),
                    unparker: parker.unparker(),
                    main_woken: AtomicBool::new(false),
                }),
                core: RefCell::new(Core {
                    run_queue: VecDeque::new(),
                    tasks: OwnedTasks::default(),
                    metrics: Metrics::default(),
                }),
                parker,
                timer: Timer::new(),
            },
            _not_send: PhantomData,
        }
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
                self.local.core.borrow_mut().metrics.main_polls += 1;
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    return output;
                }
            }
            let ran = self.local.run_round();
            if !ran && !shared.main_woken.load(Ordering::Acquire) {
                self.local.park();
            }
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
}

impl Default for Runtime {
    fn default() -> Runtime {
        Runtime::new()
    }
}

/// Marks this thread as running `local` until dropped.
struct Enter {
    _timer: time::Enter,
}

impl Local {
    fn enter(&self) -> Enter {
        CURRENT.with(|current| {
            assert!(
                current.get().is_null(),
                "cannot run a runtime inside another: `block_on` was called \
                 from a future that a `block_on` on this thread is running"
            );
            current.set(self);
        });
        Enter {
            _timer: self.timer.enter(),
        }
    }

    // ANCHOR: round
    /// Runs one round: every task that is in the run queue when the round
    /// starts, once each, in queue order. Tasks woken meanwhile (including
    /// a task by itself) join the back of the queue and wait for the next
    /// round. Returns whether there was anything to run.
    fn run_round(&self) -> bool {
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
            let ran = task.run();
            let mut core = self.core.borrow_mut();
            core.metrics.polls += 1;
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
        ready > 0
    }
    // ANCHOR_END: round

    // ANCHOR: park
    fn park(&self) {
        self.core.borrow_mut().metrics.parks += 1;
        trace::record(|| "Note over E: nothing to run: park".into());
        self.parker.park();
        trace::record(|| "Note over E: unparked".into());
    }
    // ANCHOR_END: park

    // ANCHOR: spawn
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
        handle
    }
    // ANCHOR_END: spawn
}

impl Drop for Enter {
    fn drop(&mut self) {
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
            // Woken on the runtime's own thread: no lock, no unpark.
            core.run_queue.push_back(task);
            return None;
        }
        // Woken on another thread (or while the run queue is in use).
        let rejected = self.inject.push(task);
        if rejected.is_none() {
            trace::record(|| "Note over E: injected: unpark".into());
            self.unparker.unpark();
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
        if !on_our_thread {
            arc_self.unparker.unpark();
        }
    }
}

// ANCHOR: shutdown
impl Drop for Runtime {
    /// Shuts down: every task that has not completed has its future
    /// dropped here, on the runtime's thread, and its `JoinHandle` reports
    /// it cancelled. Wakers that outlive the runtime find closed tasks
    /// and do nothing.
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
        // The timer thread stops when `local.timer` is dropped, next.
    }
}
// ANCHOR_END: shutdown

// ANCHOR: free_functions
/// Runs `future` to completion on a new runtime on this thread.
pub fn block_on<F: Future>(future: F) -> F::Output {
    Runtime::new().block_on(future)
}

/// Spawns a task on the runtime running on this thread, like
/// `tokio::spawn`. Panics outside a runtime.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let local = CURRENT.with(Cell::get);
    // SAFETY: as in `schedule`.
    let Some(local) = (unsafe { local.as_ref() }) else {
        panic!(
            "`spawn` called outside a runtime: call it from a future that `block_on` runs"
        );
    };
    local.spawn(future)
}
// ANCHOR_END: free_functions
