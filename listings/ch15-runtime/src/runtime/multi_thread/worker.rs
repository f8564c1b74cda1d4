//! A worker thread: its run queue and LIFO slot, the loop that finds the
//! next task (its own queue, the injection queue, the other workers'
//! queues), runs it within a budget, and parks when there is nothing.
//!
//! # Where the next task comes from
//!
//! In order, at each turn of the loop ([`Core::next_task`] and
//! [`Context::steal_work`]):
//!
//! 1. once every `global_queue_interval` tasks (31), the injection queue
//!    first, so that tasks woken from outside cannot starve behind a
//!    worker that always has local work;
//! 2. the LIFO slot, then the worker's own queue, front first;
//! 3. a batch from the injection queue: its length divided by the number
//!    of workers, plus one, so that idle workers share a burst (tokio's
//!    rule);
//! 4. half of another worker's queue, starting from a random worker (at
//!    most half of the workers search at once: see `idle.rs`);
//! 5. nothing: park.
//!
//! And once every `event_interval` tasks (61), a look at the reactor
//! without sleeping, if no other worker is waiting in it.
//!
//! # The LIFO slot
//!
//! A task woken by the task running on this worker does not join the back
//! of the queue: it goes to a slot of its own and runs next. In a
//! message-passing program (a task sends, the receiver wakes) the receiver
//! then runs while the message is still in the cache, instead of after
//! everything else queued here. The slot holds one task; a second wake
//! pushes the first to the back of the queue. It is never stolen, so it
//! costs no sibling a wake-up: a worker wakes a sleeping sibling only when
//! it queues work that the sibling could steal.
//!
//! Two limits keep it fair, both tokio's: a poll that ends with its
//! budget spent sends the slot's task to the back of the queue, and after
//! three tasks in a row from the slot (`MAX_LIFO_POLLS`) the slot is off
//! until the worker takes its next task from a queue, so that two tasks
//! that wake each other cannot keep a worker to themselves. The
//! measurement that justifies the slot is `runtime-costs`'s ping-pong; see
//! this module's parent.
//!
//! # Shutdown
//!
//! A worker checks the runtime's shutdown flag between tasks and in its
//! park loop. It then drops the queue entries it holds (the tasks
//! themselves are dropped by the runtime, from its list of live tasks,
//! once every worker has stopped).

use std::cell::{Cell, RefCell};
use std::ptr;
use std::sync::Arc;

use super::park::Parker;
use super::queue::{self, CAPACITY};
use super::{Driver, Handle};
use crate::blocking;
use crate::coop;
use crate::runtime::{Entered, Metrics};
use crate::task::{Notified, Ran};

/// Tasks in a row from the LIFO slot before it is turned off for the rest
/// of the current task's turn: tokio's figure.
pub const MAX_LIFO_POLLS: usize = 3;

/// What only the worker's thread touches, between tasks.
pub(super) struct Core {
    pub run_queue: queue::Local<Notified>,
    /// The task to run next, woken by the task that ran last.
    lifo: Option<Notified>,
    /// Whether wakes go to the LIFO slot right now.
    lifo_enabled: bool,
    /// Looking through other queues, and counted as such in `Idle`.
    is_searching: bool,
    /// Tasks taken so far: decides when to look at the injection queue and
    /// the reactor.
    tick: u32,
    rand: u32,
    /// Counts since the last time they were published.
    stats: Metrics,
}

/// A worker thread's context: reached through the `CONTEXT` thread-local
/// by `schedule` and `spawn`, which run inside tasks on this thread.
pub(super) struct Context {
    pub handle: Arc<Handle>,
    driver: Arc<Driver>,
    pub index: usize,
    core: RefCell<Core>,
    parker: Parker,
    /// Inside a park: wakes come from the reactor's events, and go to the
    /// back of the queue, without waking siblings until the park is over.
    parking: Cell<bool>,
}

thread_local! {
    /// The worker running on this thread, if any.
    static CONTEXT: Cell<*const Context> = const { Cell::new(ptr::null()) };
}

/// Runs `f` with the worker context of this thread, if it has one.
pub(super) fn with_current<R>(f: impl FnOnce(Option<&Context>) -> R) -> R {
    let cx = CONTEXT.with(Cell::get);
    // SAFETY: CONTEXT points to a `Context` on the stack of `run` below,
    // on this very thread, for as long as it is set; `run` clears it
    // before its frame goes.
    f(unsafe { cx.as_ref() })
}

/// The worker thread: enters the runtime, runs the loop, and leaves.
pub(super) fn run(
    handle: Arc<Handle>,
    driver: Arc<Driver>,
    index: usize,
    run_queue: queue::Local<Notified>,
    parker: Parker,
) {
    // A panic here (outside any task: tasks catch theirs) means the
    // scheduler's own invariants broke; no worker could be trusted after.
    struct AbortOnPanic;
    impl Drop for AbortOnPanic {
        fn drop(&mut self) {
            if std::thread::panicking() {
                eprintln!("a worker thread panicked outside a task: abort");
                std::process::abort();
            }
        }
    }
    let _abort = AbortOnPanic;
    let _entered = Entered::new();
    let _reactor = handle.reactor.enter();
    let _timer = driver.timer.enter();
    let _blocking = blocking::enter(&driver.blocking);
    let lifo_enabled = handle.settings.lifo_slot;
    let cx = Context {
        handle,
        driver,
        index,
        core: RefCell::new(Core {
            run_queue,
            lifo: None,
            lifo_enabled,
            is_searching: false,
            tick: 0,
            // Any odd seed will do for xorshift; spread them out.
            rand: (index as u32).wrapping_mul(0x9E37_79B9) | 1,
            stats: Metrics::default(),
        }),
        parker,
        parking: Cell::new(false),
    };
    CONTEXT.with(|current| current.set(&cx));
    cx.run();
    CONTEXT.with(|current| current.set(ptr::null()));
}

impl Core {
    fn has_tasks(&self) -> bool {
        self.lifo.is_some() || !self.run_queue.is_empty()
    }

    /// A random number, for where to start stealing (xorshift32).
    fn next_rand(&mut self) -> u32 {
        let mut x = self.rand;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rand = x;
        x
    }

    /// Pushes `task` to the back of the queue; a full queue overflows
    /// into the injection queue.
    fn push_back(&mut self, task: Notified, handle: &Handle) {
        let stats = &mut self.stats;
        self.run_queue.push_back(task, |batch| {
            stats.injected += batch.len() as u64;
            // Refused only during shutdown: the entries just go.
            drop(handle.inject.push_batch(batch));
        });
    }

    // ANCHOR: next_task
    /// The next task from this worker's own sources, or `None`.
    fn next_task(&mut self, handle: &Handle) -> Option<Notified> {
        if self
            .tick
            .is_multiple_of(handle.settings.global_queue_interval)
            && let Some(task) = handle.inject.pop()
        {
            return Some(task);
        }
        if let Some(task) = self.lifo.take().or_else(|| self.run_queue.pop()) {
            return Some(task);
        }
        if handle.inject.is_empty() {
            return None;
        }
        // Idle, and the injection queue has tasks: take a fair share, in
        // one lock, into the first half of our queue.
        let share = handle.inject.len() / handle.remotes.len() + 1;
        let room = self.run_queue.remaining().min(CAPACITY / 2);
        let mut batch = handle.inject.pop_n(share.min(room).max(1));
        let first = if batch.is_empty() {
            return None;
        } else {
            batch.remove(0)
        };
        for task in batch {
            self.push_back(task, handle);
        }
        Some(first)
    }
    // ANCHOR_END: next_task
}

impl Context {
    fn settings(&self) -> &super::Settings {
        &self.handle.settings
    }

    // ANCHOR: run
    fn run(&self) {
        while !self.handle.is_shutdown() {
            let task = {
                let mut core = self.core.borrow_mut();
                core.tick = core.tick.wrapping_add(1);
                if core.tick.is_multiple_of(self.settings().event_interval) {
                    drop(core);
                    self.maintenance();
                    core = self.core.borrow_mut();
                }
                match core.next_task(&self.handle) {
                    Some(task) => Some(task),
                    None => self.steal_work(&mut core),
                }
            };
            match task {
                Some(task) => self.run_task(task),
                None => self.park(),
            }
        }
        self.shut_down();
    }
    // ANCHOR_END: run

    // ANCHOR: steal
    /// Looks through the other workers' queues, from a random one on, and
    /// takes half of the first that has tasks. Only while fewer than half
    /// of the workers search.
    fn steal_work(&self, core: &mut Core) -> Option<Notified> {
        let handle = &*self.handle;
        if !core.is_searching {
            core.is_searching = handle.idle.transition_worker_to_searching();
            if !core.is_searching {
                return None;
            }
        }
        let workers = handle.remotes.len();
        let start = core.next_rand() as usize % workers;
        for i in 0..workers {
            let victim = (start + i) % workers;
            if victim == self.index {
                continue;
            }
            let steal = &handle.remotes[victim].steal;
            if let Some((task, taken)) = steal.steal_into(&mut core.run_queue) {
                core.stats.steals += 1;
                core.stats.stolen += taken as u64;
                return Some(task);
            }
        }
        handle.inject.pop()
    }
    // ANCHOR_END: steal

    // ANCHOR: run_task
    /// Runs `task`, then whatever it put in the LIFO slot, all within one
    /// budget.
    fn run_task(&self, task: Notified) {
        let handle = &*self.handle;
        {
            let mut core = self.core.borrow_mut();
            if core.is_searching {
                core.is_searching = false;
                // The last searcher found work: someone else must look.
                if handle.idle.transition_worker_from_searching() {
                    drop(core);
                    handle.notify_parked();
                }
            }
        }
        coop::budget(|| {
            let mut task = task;
            let mut lifo_polls = 0;
            loop {
                self.poll(task);
                let mut core = self.core.borrow_mut();
                let Some(next) = core.lifo.take() else {
                    core.lifo_enabled = self.settings().lifo_slot;
                    return;
                };
                if !coop::has_budget_remaining() {
                    // Spent: the slot's task waits its turn like any other.
                    core.push_back(next, handle);
                    core.lifo_enabled = self.settings().lifo_slot;
                    drop(core);
                    handle.notify_parked();
                    return;
                }
                lifo_polls += 1;
                core.stats.lifo_polls += 1;
                if lifo_polls >= MAX_LIFO_POLLS {
                    core.lifo_enabled = false;
                }
                task = next;
            }
        });
    }

    /// One poll, and what follows from its outcome.
    fn poll(&self, task: Notified) {
        let handle = &*self.handle;
        let id = task.id();
        let spent = coop::exhausted();
        let ran = task.run();
        let mut core = self.core.borrow_mut();
        core.stats.polls += 1;
        core.stats.budget_yields += coop::exhausted() - spent;
        match ran {
            Ran::Idle => {}
            Ran::Requeue(task) => {
                // Woken during its own poll (a yield, a spent budget): to
                // the back, behind every task that waits here.
                core.push_back(task, handle);
                drop(core);
                handle.notify_parked();
            }
            Ran::Completed(entry) => {
                drop(core);
                let listed = handle.owned().remove(id);
                // The entry's and the list's references in one step, and
                // outside every borrow: freeing a task runs its drops.
                entry.release_with(listed);
            }
        }
    }
    // ANCHOR_END: run_task

    // ANCHOR: schedule_local
    /// A task woken (or spawned) on this worker's thread.
    pub(super) fn schedule_local(&self, task: Notified) -> Option<Notified> {
        let handle = &*self.handle;
        let Ok(mut core) = self.core.try_borrow_mut() else {
            // The core is in use further up this stack (a waker called
            // from inside the scheduler's own code): go the long way.
            return handle.schedule_remote(task);
        };
        if self.parking.get() {
            // Delivered by the reactor during a park: queue, and let the
            // park decide whom to wake once it is over.
            core.push_back(task, handle);
            return None;
        }
        let displaced = if core.lifo_enabled {
            core.lifo.replace(task)
        } else {
            Some(task)
        };
        // Only what lands in the queue can be stolen: wake a sibling for
        // that, never for the slot.
        if let Some(task) = displaced {
            core.push_back(task, handle);
            drop(core);
            handle.notify_parked();
        }
        None
    }
    // ANCHOR_END: schedule_local

    /// A look at the reactor without sleeping, and the counts published.
    fn maintenance(&self) {
        self.parking.set(true);
        let turned = self.parker.poll_driver(&self.driver.reactor);
        self.parking.set(false);
        let mut core = self.core.borrow_mut();
        core.stats.turns += u64::from(turned);
        self.publish(&mut core);
        self.share_if_busy(core);
    }

    /// More than one task queued here and no sibling looking: wake one.
    fn share_if_busy(&self, core: std::cell::RefMut<'_, Core>) {
        let busy = !core.is_searching && core.run_queue.len() > 1;
        drop(core);
        if busy {
            self.handle.notify_parked();
        }
    }

    fn publish(&self, core: &mut Core) {
        let stats = std::mem::take(&mut core.stats);
        self.handle.publish(self.index, &stats);
    }

    // ANCHOR: park
    /// Nothing to run: sleep until notified, or until the reactor (if this
    /// worker gets to wait in it) delivers events.
    fn park(&self) {
        let handle = &*self.handle;
        {
            let mut core = self.core.borrow_mut();
            if core.has_tasks() {
                return;
            }
            let searching = std::mem::take(&mut core.is_searching);
            self.publish(&mut core);
            drop(core);
            // The last searcher to sleep looks at every queue once more: a
            // task queued since its last look woke nobody.
            if handle
                .idle
                .transition_worker_to_parked(self.index, searching)
            {
                handle.notify_if_work_pending();
            }
        }
        loop {
            if handle.is_shutdown() {
                return;
            }
            self.parking.set(true);
            let had_driver = self.parker.park(&self.driver.reactor);
            self.parking.set(false);
            let mut core = self.core.borrow_mut();
            core.stats.parks += 1;
            core.stats.turns += u64::from(had_driver);
            if core.has_tasks() {
                // Events gave us work. If a notifier also picked us, it
                // took us off the list and made us a searcher.
                core.is_searching =
                    !handle.idle.unpark_worker_by_id(self.index);
                self.share_if_busy(core);
                return;
            }
            if !handle.idle.is_parked(self.index) {
                // A notifier woke us: it made us a searcher.
                core.is_searching = true;
                return;
            }
            // Woken for nothing (an event for another worker's task, a
            // spurious wake-up): still asleep as far as anyone knows.
        }
    }
    // ANCHOR_END: park

    /// The runtime is shutting down: let go of the queue entries.
    fn shut_down(&self) {
        let mut core = self.core.borrow_mut();
        let mut entries: Vec<Notified> = core.lifo.take().into_iter().collect();
        entries.extend(std::iter::from_fn(|| core.run_queue.pop()));
        self.publish(&mut core);
        drop(core);
        // Outside the borrow: dropping an entry may free a task.
        drop(entries);
    }
}
