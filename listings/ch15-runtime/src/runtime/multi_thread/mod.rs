//! The multi-threaded runtime: a pool of workers, each with a run queue
//! of its own, a shared injection queue, work stealing, and one reactor
//! that one idle worker at a time waits in.
//!
//! - [`queue`]: a worker's run queue, 256 slots, which its owner pushes to
//!   and pops from without a lock and others steal half of;
//! - `inject`: the injection queue, for tasks from outside the workers and
//!   for a full queue's overflow;
//! - `idle`: who sleeps and who searches, so that one new task wakes at
//!   most one worker;
//! - `park`: how a worker sleeps, in the reactor or on its own condition
//!   variable;
//! - `worker`: the loop, the LIFO slot, stealing and parking.
//!
//! Design notes, with the measurements, follow the code's own
//! documentation in each of those files and are gathered in this
//! module's documentation below the code (see `DESIGN`).

mod idle;
mod inject;
mod park;
#[doc(hidden)]
pub mod queue;
mod worker;

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use futures_task::ArcWake;

use super::{Config, Entered, Metrics};
use crate::blocking::{self, Pool};
use crate::coop;
use crate::owned::OwnedTasks;
use crate::parker::{Parker, Unparker};
use crate::reactor::{self, Reactor};
use crate::task::{self, JoinHandle, Notified, Schedule};
use crate::time::Timer;
use idle::Idle;
use inject::Inject;

// ANCHOR: types
/// A multi-threaded runtime: its workers start when it is built and stop
/// when it is dropped.
pub struct Runtime {
    handle: Arc<Handle>,
    driver: Arc<Driver>,
    workers: Vec<thread::JoinHandle<()>>,
    /// Threads for blocking work (chapter 14); dropped last, after the
    /// workers, the tasks and the driver, and its drop waits for the jobs
    /// that are running.
    blocking: Pool,
}

/// What the workers, the runtime and every task share. Tasks keep it (it
/// is their scheduler), so it holds nothing that must go when the runtime
/// goes: the reactor and the timers are in [`Driver`].
pub(crate) struct Handle {
    /// Per worker: a stealer's end of its queue, and its unparker.
    remotes: Box<[Remote]>,
    inject: Inject<Notified>,
    idle: Idle,
    /// Every task that has not completed.
    owned: Mutex<OwnedTasks>,
    /// Wakes the worker that waits in the reactor; registers sockets.
    reactor: reactor::Handle,
    settings: Settings,
    shutdown: AtomicBool,
    /// Each worker's counts, published when it parks.
    published: Box<[Mutex<Metrics>]>,
    /// Counts kept by whoever does the thing, from any thread.
    spawned: AtomicU64,
    injected: AtomicU64,
    unparks: AtomicU64,
    main_polls: AtomicU64,
}

struct Remote {
    steal: queue::Steal<Notified>,
    unparker: park::Unparker,
}

/// What only the workers and the runtime hold: the reactor and the timer
/// wheel, which one worker at a time turns, and the blocking pool's
/// spawner.
pub(crate) struct Driver {
    reactor: Mutex<ReactorDriver>,
    /// Also in `reactor`, for whoever turns it; here so that every thread
    /// of the runtime can make it current for `sleep`.
    timer: Arc<Timer>,
    /// Events delivered, counted by whoever turns the reactor.
    io_events: Arc<AtomicU64>,
    /// Where `spawn_blocking` on a worker sends its job.
    blocking: blocking::Spawner,
}

// ANCHOR: reactor_driver
/// The reactor and chapter 13's timers, turned together: the worker that
/// holds this sleeps in `epoll_wait` until the nearest deadline at most,
/// and fires the timers that are due after every turn. The wheel itself
/// is shared and locked (chapter 13's `Timer` is a `Mutex` around it):
/// a task on any worker, or `block_on`'s thread, inserts and removes its
/// deadlines there, and an insert earlier than the sleeping worker's
/// deadline wakes it through the reactor's eventfd.
struct ReactorDriver {
    reactor: Reactor,
    timer: Arc<Timer>,
    io_events: Arc<AtomicU64>,
}
// ANCHOR_END: reactor_driver

#[derive(Clone, Copy, Debug)]
struct Settings {
    lifo_slot: bool,
    event_interval: u32,
    global_queue_interval: u32,
}
// ANCHOR_END: types

// ANCHOR: driver_park
impl park::Driver for ReactorDriver {
    fn park(&mut self, timeout: Option<Duration>) {
        // To sleep: until the nearest deadline, or an event if no timer
        // waits. (A look, `Some(ZERO)`, stays a look.)
        let timeout = match timeout {
            None => self.timer.park_timeout(),
            look => look,
        };
        match self.reactor.turn(timeout) {
            Ok(turn) => {
                let delivered = turn.delivered as u64;
                self.io_events.fetch_add(delivered, Ordering::Relaxed);
            }
            // EINTR is retried inside; what is left (EBADF, EINVAL) means
            // the epoll instance itself is broken.
            Err(e) => panic!("the reactor cannot wait for events: {e}"),
        }
        // Every timer that is due wakes its task here: onto this worker's
        // queue, as the reactor's events do.
        self.timer.expire();
    }
}
// ANCHOR_END: driver_park

impl park::Unpark for reactor::Handle {
    fn unpark(&self) {
        self.notify();
    }
}

impl Runtime {
    /// Makes the reactor and the queues, and starts the workers.
    pub(crate) fn new(config: &Config) -> io::Result<Runtime> {
        let reactor = Reactor::new(config.mode, config.events)?;
        let workers = config.workers;
        let mut locals = Vec::with_capacity(workers);
        let mut remotes = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (local, steal) = queue::new();
            let (parker, unparker) = park::new();
            locals.push((local, parker));
            remotes.push(Remote { steal, unparker });
        }
        let handle = Arc::new(Handle {
            remotes: remotes.into_boxed_slice(),
            inject: Inject::new(),
            idle: Idle::new(workers),
            owned: Mutex::new(OwnedTasks::default()),
            reactor: reactor.handle(),
            settings: Settings {
                lifo_slot: config.lifo_slot,
                event_interval: config.event_interval,
                global_queue_interval: config.global_queue_interval,
            },
            shutdown: AtomicBool::new(false),
            published: (0..workers)
                .map(|_| Mutex::new(Metrics::default()))
                .collect(),
            spawned: AtomicU64::new(0),
            injected: AtomicU64::new(0),
            unparks: AtomicU64::new(0),
            main_polls: AtomicU64::new(0),
        });
        let io_events = Arc::new(AtomicU64::new(0));
        let timer = Arc::new(Timer::new({
            let reactor = reactor.handle();
            move || reactor.notify()
        }));
        let blocking = Pool::new(config.blocking);
        let driver = Arc::new(Driver {
            reactor: Mutex::new(ReactorDriver {
                reactor,
                timer: Arc::clone(&timer),
                io_events: Arc::clone(&io_events),
            }),
            timer,
            io_events,
            blocking: blocking.spawner().clone(),
        });
        let mut runtime = Runtime {
            handle,
            driver,
            workers: Vec::with_capacity(workers),
            blocking,
        };
        for (index, (local, parker)) in locals.into_iter().enumerate() {
            let (handle, driver) =
                (Arc::clone(&runtime.handle), Arc::clone(&runtime.driver));
            // A refusal (EAGAIN: out of threads) drops `runtime`, which
            // stops the workers started so far.
            let worker = thread::Builder::new()
                .name(format!("{}-{index}", config.thread_name))
                .spawn(move || {
                    worker::run(handle, driver, index, local, parker)
                })?;
            runtime.workers.push(worker);
        }
        Ok(runtime)
    }

    // ANCHOR: block_on
    /// Runs `future` on this thread, which sleeps whenever `future` waits;
    /// the spawned tasks run on the workers meanwhile.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _entered = Entered::new();
        let _reactor = self.handle.reactor.enter();
        let _timer = self.driver.timer.enter();
        let _blocking = blocking::enter(&self.driver.blocking);
        let _spawner = BlockOn::enter(&self.handle);
        let parker = Parker::new();
        let waker = futures_task::waker(Arc::new(MainWaker(parker.unparker())));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            self.handle.main_polls.fetch_add(1, Ordering::Relaxed);
            if let Poll::Ready(output) =
                coop::budget(|| future.as_mut().poll(&mut cx))
            {
                return output;
            }
            parker.park();
        }
    }
    // ANCHOR_END: block_on

    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// The workers' counts, as last published, each.
    pub fn worker_metrics(&self) -> Vec<Metrics> {
        self.handle
            .published
            .iter()
            .map(|published| *lock(published))
            .collect()
    }

    /// The counts, summed over the workers, with the runtime's own.
    pub fn metrics(&self) -> Metrics {
        let mut sum = Metrics::default();
        for worker in self.worker_metrics() {
            add_worker_counts(&mut sum, &worker);
        }
        let handle = &*self.handle;
        sum.spawned = handle.spawned.load(Ordering::Relaxed);
        sum.injected += handle.injected.load(Ordering::Relaxed);
        sum.unparks = handle.unparks.load(Ordering::Relaxed);
        sum.main_polls = handle.main_polls.load(Ordering::Relaxed);
        sum.timer_threads = self.driver.timer.threads_started();
        sum.io_events = self.driver.io_events.load(Ordering::Relaxed);
        sum
    }

    /// Runs `func` on this runtime's blocking pool (chapter 14).
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.driver.blocking.spawn(func)
    }

    /// What the blocking pool holds and has done.
    pub fn blocking_metrics(&self) -> blocking::Metrics {
        self.driver.blocking.metrics()
    }

    /// How long the drop waits for running blocking jobs (`None`: for as
    /// long as they take).
    pub fn set_blocking_patience(&mut self, patience: Option<Duration>) {
        self.blocking.set_patience(patience);
    }

    pub fn live_tasks(&self) -> usize {
        self.handle.owned().len()
    }

    pub fn registrations(&self) -> usize {
        self.handle.reactor.registrations()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every value behind these locks is whole between any two statements.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Handle {
    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    fn owned(&self) -> MutexGuard<'_, OwnedTasks> {
        lock(&self.owned)
    }

    // ANCHOR: spawn
    fn spawn<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (notified, join) = {
            let mut owned = self.owned();
            let id = owned.next_id();
            let (task, notified, join) =
                task::new(future, Arc::clone(self), id);
            owned.insert(task);
            (notified, join)
        };
        self.spawned.fetch_add(1, Ordering::Relaxed);
        // On a worker: its LIFO slot, as for a wake. Elsewhere: the
        // injection queue.
        drop(self.schedule(notified));
        join
    }
    // ANCHOR_END: spawn

    /// Queues a task from outside the workers, and wakes one if needed.
    fn schedule_remote(&self, task: Notified) -> Option<Notified> {
        if let Some(rejected) = self.inject.push(task) {
            return Some(rejected);
        }
        self.injected.fetch_add(1, Ordering::Relaxed);
        self.notify_parked();
        None
    }

    // ANCHOR: notify_parked
    /// Wakes a sleeping worker, unless one is searching already.
    fn notify_parked(&self) {
        if let Some(worker) = self.idle.worker_to_notify() {
            self.unparks.fetch_add(1, Ordering::Relaxed);
            self.remotes[worker].unparker.unpark(&self.reactor);
        }
    }
    // ANCHOR_END: notify_parked

    /// The last searcher goes to sleep: is there work it missed?
    fn notify_if_work_pending(&self) {
        let pending = !self.inject.is_empty()
            || self.remotes.iter().any(|remote| !remote.steal.is_empty());
        if pending {
            self.notify_parked();
        }
    }

    fn publish(&self, worker: usize, stats: &Metrics) {
        add_worker_counts(&mut lock(&self.published[worker]), stats);
    }
}

/// Adds the counts a worker keeps (the others are the runtime's own) of
/// `worker` to `sum`: for publishing a worker's counts, and for summing
/// what the workers published.
fn add_worker_counts(sum: &mut Metrics, worker: &Metrics) {
    sum.polls += worker.polls;
    sum.parks += worker.parks;
    sum.turns += worker.turns;
    sum.budget_yields += worker.budget_yields;
    sum.steals += worker.steals;
    sum.stolen += worker.stolen;
    sum.lifo_polls += worker.lifo_polls;
    sum.injected += worker.injected;
}

// ANCHOR: schedule
impl Schedule for Handle {
    fn schedule(&self, task: Notified) -> Option<Notified> {
        worker::with_current(|cx| match cx {
            // On one of our workers: its own queue, no lock.
            Some(cx) if ptr::eq(&*cx.handle, self) => cx.schedule_local(task),
            // Anywhere else: the injection queue, and a worker woken.
            _ => self.schedule_remote(task),
        })
    }
}
// ANCHOR_END: schedule

/// The main future's waker: unparks `block_on`'s thread.
struct MainWaker(Unparker);

impl ArcWake for MainWaker {
    fn wake_by_ref(arc_self: &Arc<MainWaker>) {
        arc_self.0.unpark();
    }
}

thread_local! {
    /// The runtime whose `block_on` runs on this thread, for `spawn`.
    static BLOCK_ON: RefCell<Option<Arc<Handle>>> = const { RefCell::new(None) };
}

/// Makes `handle` the one `spawn` uses on this thread, until dropped.
struct BlockOn;

impl BlockOn {
    fn enter(handle: &Arc<Handle>) -> BlockOn {
        BLOCK_ON
            .with(|current| *current.borrow_mut() = Some(Arc::clone(handle)));
        BlockOn
    }
}

impl Drop for BlockOn {
    fn drop(&mut self) {
        BLOCK_ON.with(|current| current.borrow_mut().take());
    }
}

/// Spawns `future` on the multi-threaded runtime this thread works for or
/// blocks on; gives the future back if there is none.
pub(crate) fn try_spawn<F>(future: F) -> Result<JoinHandle<F::Output>, F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handle = worker::with_current(|cx| cx.map(|cx| Arc::clone(&cx.handle)))
        .or_else(|| BLOCK_ON.with(|current| current.borrow().clone()));
    match handle {
        Some(handle) => Ok(handle.spawn(future)),
        None => Err(future),
    }
}

/// The index of the worker running on this thread, if any.
pub(crate) fn worker_index() -> Option<usize> {
    worker::with_current(|cx| cx.map(|cx| cx.index))
}

// ANCHOR: shutdown
impl Drop for Runtime {
    /// Stops the workers (each finishes the poll it is in), then drops
    /// every task that has not completed, here, and the reactor.
    fn drop(&mut self) {
        let on_own_worker = worker::with_current(|cx| {
            cx.is_some_and(|cx| Arc::ptr_eq(&cx.handle, &self.handle))
        });
        if on_own_worker {
            // Joining would wait for this very thread. Leave the workers
            // running rather than deadlock; say why.
            eprintln!("a runtime dropped by one of its own tasks: leaked");
            return;
        }
        let handle = &*self.handle;
        handle.shutdown.store(true, Ordering::Release);
        // From now on, wakes from other threads are refused.
        let injected = handle.inject.close();
        for remote in &handle.remotes {
            remote.unparker.unpark(&handle.reactor);
        }
        for worker in self.workers.drain(..) {
            // A worker that panicked outside a task aborted the process.
            let _ = worker.join();
        }
        // No worker runs now: every task's future can be dropped here.
        let tasks = handle.owned().take_all();
        for task in &tasks {
            task.shut_down();
        }
        drop((injected, tasks));
        // Then the fields: the driver goes (the reactor marks the slots of
        // sockets that outlive it shut down; the timers wake whoever still
        // waits), the handle, once the last task lets go of it, and last
        // the blocking pool, which cancels its queued jobs and waits for
        // its running ones.
    }
}
// ANCHOR_END: shutdown
