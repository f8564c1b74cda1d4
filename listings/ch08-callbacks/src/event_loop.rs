//! The event loop: callbacks run per event of a registered source, per
//! expired timer, per finished pool job, and per immediate, in that order
//! of phases, round after round, on one thread.
//!
//! Every callback gets `&mut EventLoop`, so it can register more callbacks.
//! It never runs inside the call that registers it: only the loop calls
//! callbacks, one at a time, each taken out of the loop's tables while it
//! runs. A callback that panics is reported, and the loop goes on.

use std::collections::VecDeque;
use std::io;
use std::mem;
use std::os::fd::AsFd;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::poll::{Event, Events, Interest, Mode, Poller, Token};
use crate::pool::{self, Completion, Job, Pool};
use crate::slab::Slab;
use crate::timers::{TimerId, Timers};
use crate::trace;

/// Room for events per `wait`; more ready sources wait for the next round.
const EVENTS: usize = 1024;
/// Worker threads in the pool unless asked otherwise: libuv's default.
pub const POOL_SIZE: usize = 4;

// ANCHOR: callbacks
/// Called each time its source is ready, until replaced or stopped.
pub type IoCallback = Box<dyn FnMut(&mut EventLoop)>;
/// Called once: a timer's or an immediate's callback.
pub type OnceCallback = Box<dyn FnOnce(&mut EventLoop)>;
/// Called once when a pool job has finished (`Err` if it could not run).
type DoneCallback = Box<dyn FnOnce(&mut EventLoop, io::Result<()>)>;
// ANCHOR_END: callbacks

// ANCHOR: source
/// Names a registered source. Stale once the source is removed: a slab
/// token, slot and generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SourceId(Token);

impl SourceId {
    /// The slot it occupies (for traces: small, reused numbers).
    pub fn slot(self) -> u32 {
        self.0.0 as u32
    }
}

/// A registered descriptor and its two callbacks.
struct Source {
    /// Keeps the descriptor open for as long as it is registered.
    fd: Rc<dyn AsFd>,
    readable: Slot,
    writable: Slot,
    /// What the poller watches it for now. `NONE` means not registered at
    /// all: with no callback the loop asks the kernel for nothing.
    registered: Interest,
    /// Queued for [`EventLoop::update_registrations`].
    dirty: bool,
}

/// One direction's callback.
enum Slot {
    /// No callback: not interested.
    Empty,
    /// Waiting for its event.
    Waiting(IoCallback),
    /// Taken out by the loop while it runs. If it is still `Running` when
    /// the callback returns, the callback goes back in; if the callback
    /// replaced or stopped itself meanwhile, the old one is dropped.
    Running,
}
// ANCHOR_END: source

impl Slot {
    fn wanted(&self) -> bool {
        !matches!(self, Slot::Empty)
    }

    fn start(&mut self) -> Option<IoCallback> {
        match mem::replace(self, Slot::Running) {
            Slot::Waiting(callback) => Some(callback),
            other => {
                *self = other;
                None
            }
        }
    }

    fn finish(&mut self, callback: IoCallback) {
        if matches!(self, Slot::Running) {
            *self = Slot::Waiting(callback);
        }
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Read,
    Write,
}

impl Source {
    fn slot(&mut self, direction: Direction) -> &mut Slot {
        match direction {
            Direction::Read => &mut self.readable,
            Direction::Write => &mut self.writable,
        }
    }

    fn wanted(&self) -> Interest {
        Interest {
            readable: self.readable.wanted(),
            writable: self.writable.wanted(),
        }
    }
}

// ANCHOR: event_loop
/// A callback event loop: sources, timers, a thread pool and immediates.
pub struct EventLoop {
    poller: Arc<Poller>,
    events: Events,
    /// This round's events, copied out so that callbacks may change the
    /// loop while it goes through them.
    ready: Vec<Event>,
    sources: Slab<Source>,
    /// Sources whose callbacks changed since the last `wait`.
    dirty: Vec<Token>,
    /// Sources registered with the poller: they keep the loop alive.
    registered: usize,
    timers: Timers<OnceCallback>,
    pool: Pool,
    /// Callbacks of the jobs on the pool, by the token the job carries.
    jobs: Slab<DoneCallback>,
    immediates: VecDeque<OnceCallback>,
    stop: Arc<AtomicBool>,
    stats: Stats,
}
// ANCHOR_END: event_loop

/// What a loop has done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Rounds of the loop (each with one `wait`).
    pub rounds: u64,
    /// Callbacks that ran.
    pub callbacks: u64,
    /// Callbacks and pool jobs that panicked.
    pub panics: u64,
    /// What the last of them said.
    pub last_panic: Option<String>,
    /// Events for sources removed before the loop got to them.
    pub stale: u64,
}

/// Stops a loop from any thread.
#[derive(Clone)]
pub struct Handle {
    poller: Arc<Poller>,
    stop: Arc<AtomicBool>,
}

impl Handle {
    /// Makes `run` return at the end of the round it is in.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        if let Err(e) = self.poller.notify() {
            eprintln!("cannot wake the loop: {e}");
        }
    }
}

impl EventLoop {
    /// A loop with a pool of [`POOL_SIZE`] threads.
    pub fn new() -> io::Result<EventLoop> {
        EventLoop::with_pool_size(POOL_SIZE)
    }

    /// A loop whose pool has `threads` worker threads (at least one),
    /// started when the first job comes.
    pub fn with_pool_size(threads: usize) -> io::Result<EventLoop> {
        let poller = Arc::new(Poller::new()?);
        let waker = Arc::clone(&poller);
        // A finished job wakes the loop through the poller's eventfd; a
        // burst of them costs one write (chapter 6's notify).
        let pool = Pool::new(threads, move || {
            if let Err(e) = waker.notify() {
                eprintln!("pool: cannot wake the loop: {e}");
            }
        });
        Ok(EventLoop {
            poller,
            events: Events::with_capacity(EVENTS),
            ready: Vec::with_capacity(EVENTS),
            sources: Slab::new(),
            dirty: Vec::new(),
            registered: 0,
            timers: Timers::new(),
            pool,
            jobs: Slab::new(),
            immediates: VecDeque::new(),
            stop: Arc::new(AtomicBool::new(false)),
            stats: Stats::default(),
        })
    }

    pub fn handle(&self) -> Handle {
        Handle {
            poller: Arc::clone(&self.poller),
            stop: Arc::clone(&self.stop),
        }
    }

    pub fn stats(&self) -> Stats {
        self.stats.clone()
    }

    /// Threads in the pool (started or not).
    pub fn pool_size(&self) -> usize {
        self.pool.size()
    }
}

// ANCHOR: add
impl EventLoop {
    /// Registers a descriptor, with no callbacks yet. The loop keeps a
    /// reference to it, so it stays open until removed.
    pub fn add<S: AsFd + 'static>(&mut self, source: Rc<S>) -> SourceId {
        let token = self.sources.insert(Source {
            fd: source,
            readable: Slot::Empty,
            writable: Slot::Empty,
            registered: Interest::NONE,
            dirty: false,
        });
        SourceId(token)
    }

    /// Calls `callback` each time the source is readable (or has failed,
    /// or hung up: the next read says which), until replaced or stopped.
    pub fn on_readable(
        &mut self,
        id: SourceId,
        callback: impl FnMut(&mut EventLoop) + 'static,
    ) {
        self.set(id, Direction::Read, Slot::Waiting(Box::new(callback)));
    }

    /// Calls `callback` each time the source is writable.
    pub fn on_writable(
        &mut self,
        id: SourceId,
        callback: impl FnMut(&mut EventLoop) + 'static,
    ) {
        self.set(id, Direction::Write, Slot::Waiting(Box::new(callback)));
    }

    pub fn stop_readable(&mut self, id: SourceId) {
        self.set(id, Direction::Read, Slot::Empty);
    }

    pub fn stop_writable(&mut self, id: SourceId) {
        self.set(id, Direction::Write, Slot::Empty);
    }

    /// Changes a callback now, and what the kernel watches for at the next
    /// `wait` (one `epoll_ctl` per source, however often it changed). A
    /// removed source's id is stale: nothing happens.
    fn set(&mut self, id: SourceId, direction: Direction, slot: Slot) {
        let Some(source) = self.sources.get_mut(id.0) else {
            return;
        };
        *source.slot(direction) = slot;
        if !source.dirty {
            source.dirty = true;
            self.dirty.push(id.0);
        }
    }
}
// ANCHOR_END: add

// ANCHOR: remove
impl EventLoop {
    /// Deregisters the source and drops its callbacks (and with them what
    /// they captured); the loop's reference to the descriptor goes last.
    /// Returns false if it was removed already.
    pub fn remove(&mut self, id: SourceId) -> bool {
        let Some(source) = self.sources.remove(id.0) else {
            return false;
        };
        if source.registered != Interest::NONE {
            self.registered -= 1;
            // While `source.fd` still keeps the descriptor open.
            if let Err(e) = self.poller.delete(source.fd.as_fd()) {
                eprintln!("event loop: cannot deregister a source: {e}");
            }
        }
        true
    }
}
// ANCHOR_END: remove

// ANCHOR: set_timeout
impl EventLoop {
    /// Calls `callback` once, no earlier than `delay` from now.
    pub fn set_timeout(
        &mut self,
        delay: Duration,
        callback: impl FnOnce(&mut EventLoop) + 'static,
    ) -> TimerId {
        let now = Instant::now();
        // A delay beyond any clock: a deadline that never comes.
        let never = now + Duration::from_secs(60 * 60 * 24 * 365 * 30);
        let deadline = now.checked_add(delay).unwrap_or(never);
        self.set_timeout_at(deadline, callback)
    }

    /// Calls `callback` once, no earlier than `deadline`.
    pub fn set_timeout_at(
        &mut self,
        deadline: Instant,
        callback: impl FnOnce(&mut EventLoop) + 'static,
    ) -> TimerId {
        self.timers.insert(deadline, Box::new(callback))
    }

    /// Cancels a timer; false if it has fired or was cancelled already.
    pub fn clear_timeout(&mut self, id: TimerId) -> bool {
        self.timers.cancel(id).is_some()
    }

    /// Calls `callback` once, in this round's last phase (or the next
    /// round's, if called from that phase), without waiting for anything.
    pub fn set_immediate(
        &mut self,
        callback: impl FnOnce(&mut EventLoop) + 'static,
    ) {
        self.immediates.push_back(Box::new(callback));
    }
}
// ANCHOR_END: set_timeout

// ANCHOR: spawn_blocking
impl EventLoop {
    /// Runs `work` on a pool thread, then `done` with its result on the
    /// loop's thread. `work` must be `Send`; `done` need not be, and may
    /// capture the loop thread's `Rc`s. A panic in `work` is reported and
    /// reaches `done` as an error.
    pub fn spawn_blocking<T: Send + 'static>(
        &mut self,
        work: impl FnOnce() -> io::Result<T> + Send + 'static,
        done: impl FnOnce(&mut EventLoop, io::Result<T>) + 'static,
    ) {
        // The result travels beside the job, in a slot both halves share:
        // the worker fills it, the loop empties it once the job is done.
        let slot = Arc::new(Mutex::new(None));
        let filled = Arc::clone(&slot);
        let job: Job = Box::new(move || {
            let result = work();
            *filled.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(result);
        });
        let on_done: DoneCallback = Box::new(move |lp, finished| {
            let result = finished.and_then(|()| {
                let mut slot =
                    slot.lock().unwrap_or_else(PoisonError::into_inner);
                slot.take().unwrap_or_else(|| {
                    Err(io::Error::other("the job left no result"))
                })
            });
            done(lp, result);
        });
        let token = self.jobs.insert(on_done);
        if let Err(e) = self.pool.submit(token, job) {
            // Not even one worker thread: `done` hears of it, but from the
            // loop, like every callback, not from inside this call.
            if let Some(on_done) = self.jobs.remove(token) {
                self.set_immediate(move |lp| on_done(lp, Err(e)));
            }
        }
    }
}
// ANCHOR_END: spawn_blocking

// ANCHOR: run
impl EventLoop {
    /// Runs until nothing is left that could call a callback (no source
    /// with a callback, no timer, no job, no immediate), or until stopped.
    pub fn run(&mut self) -> io::Result<()> {
        while self.alive() {
            self.stats.rounds += 1;
            self.run_timers();
            self.poll()?;
            self.run_immediates();
        }
        // A stop ends one run; the next starts afresh, as libuv's does.
        self.stop.store(false, Ordering::Release);
        Ok(())
    }

    /// Makes `run` return at the end of this round (from a callback).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }

    fn alive(&self) -> bool {
        !self.stop.load(Ordering::Acquire)
            && (self.registered > 0
                || !self.dirty.is_empty()
                || !self.timers.is_empty()
                || !self.jobs.is_empty()
                || !self.immediates.is_empty())
    }
}
// ANCHOR_END: run

// ANCHOR: run_timers
impl EventLoop {
    /// Phase 1: every timer whose deadline has passed, earliest first.
    /// Timers that these callbacks set wait for the next round.
    fn run_timers(&mut self) {
        let now = Instant::now();
        let mark = self.timers.mark();
        while let Some(callback) = self.timers.pop_expired(now, mark) {
            self.guarded("a timer callback", None, callback);
        }
    }
}
// ANCHOR_END: run_timers

// ANCHOR: poll
impl EventLoop {
    /// Phase 2: waits for readiness, no longer than until the nearest
    /// deadline, and calls the ready sources' callbacks; then the callbacks
    /// of the pool's finished jobs, if the pool woke the loop.
    fn poll(&mut self) -> io::Result<()> {
        self.update_registrations();
        let timeout = self.timeout();
        trace::record(|| match timeout {
            None => "L->>K: epoll_wait, no timeout".to_string(),
            Some(t) => format!("L->>K: epoll_wait, timeout {} ms", ms_ceil(t)),
        });
        self.poller.wait(&mut self.events, timeout)?;
        self.ready.clear();
        self.ready.extend(self.events.iter());
        let notified = self.events.notified();
        trace::record(|| woke_because(&self.ready, notified));
        for i in 0..self.ready.len() {
            let event = self.ready[i];
            // Writing first frees room that reading may need.
            if event.writable {
                self.run_io(SourceId(event.token), Direction::Write);
            }
            if event.readable {
                self.run_io(SourceId(event.token), Direction::Read);
            }
        }
        if notified {
            self.run_completions();
        }
        Ok(())
    }

    /// No wait if something is due now; until the nearest deadline if a
    /// timer is set; else as long as it takes. `wait` rounds the timeout up
    /// to whole milliseconds, so the loop never wakes before a deadline.
    fn timeout(&mut self) -> Option<Duration> {
        if !self.immediates.is_empty() || !self.alive() {
            return Some(Duration::ZERO);
        }
        let deadline = self.timers.next_deadline()?;
        Some(deadline.saturating_duration_since(Instant::now()))
    }
}
// ANCHOR_END: poll

// ANCHOR: run_io
impl EventLoop {
    fn run_io(&mut self, id: SourceId, direction: Direction) {
        let Some(source) = self.sources.get_mut(id.0) else {
            // Removed by an earlier callback of this round; the generation
            // tells it from a new source in the same slot.
            self.stats.stale += 1;
            return;
        };
        // Out of the table while it runs: the callback may change or
        // remove its own source, and the loop with it.
        let Some(mut callback) = source.slot(direction).start() else {
            return; // stopped by an earlier callback of this round
        };
        let what = match direction {
            Direction::Read => "a readable callback",
            Direction::Write => "a writable callback",
        };
        let returned = self.guarded(what, Some(id), |lp| callback(lp));
        // Back in, unless it panicked or its source is gone meanwhile.
        if returned && let Some(source) = self.sources.get_mut(id.0) {
            source.slot(direction).finish(callback);
        }
    }
}
// ANCHOR_END: run_io

// ANCHOR: update_registrations
impl EventLoop {
    /// Tells the kernel what changed: register a source that got its first
    /// callback, modify one whose interest changed, deregister one left
    /// with none. A failure closes that source, never the loop.
    fn update_registrations(&mut self) {
        for token in mem::take(&mut self.dirty) {
            let Some(source) = self.sources.get_mut(token) else {
                continue; // removed since
            };
            source.dirty = false;
            let (was, wanted) = (source.registered, source.wanted());
            if was == wanted {
                continue;
            }
            let fd = source.fd.as_fd();
            let result = if was == Interest::NONE {
                self.poller.add(fd, token, wanted, Mode::Level)
            } else if wanted == Interest::NONE {
                self.poller.delete(fd)
            } else {
                self.poller.modify(fd, token, wanted, Mode::Level)
            };
            match result {
                Ok(()) => {
                    source.registered = wanted;
                    match (was == Interest::NONE, wanted == Interest::NONE) {
                        (true, false) => self.registered += 1,
                        (false, true) => self.registered -= 1,
                        _ => {}
                    }
                }
                Err(e) => {
                    // ENOMEM, or ENOSPC past fs.epoll.max_user_watches.
                    eprintln!("event loop: cannot register a source: {e}");
                    self.remove(SourceId(token));
                }
            }
        }
    }
}
// ANCHOR_END: update_registrations

// ANCHOR: run_completions
impl EventLoop {
    /// The rest of phase 2: the callbacks of the jobs the pool finished.
    fn run_completions(&mut self) {
        for Completion { token, outcome } in self.pool.take_finished() {
            let Some(done) = self.jobs.remove(token) else {
                continue;
            };
            let finished = outcome.map_err(|message| {
                self.note_panic("a job on the pool", &message);
                io::Error::other(format!("the job panicked: {message}"))
            });
            trace::record(|| "P-->>L: job done".to_string());
            self.guarded("a job's done callback", None, |lp| {
                done(lp, finished)
            });
        }
    }
}
// ANCHOR_END: run_completions

// ANCHOR: run_immediates
impl EventLoop {
    /// Phase 3: the immediates queued before it began. Those that they
    /// queue wait for the next round, which then does not block.
    fn run_immediates(&mut self) {
        let queued = mem::take(&mut self.immediates);
        for callback in queued {
            self.guarded("an immediate callback", None, callback);
        }
    }
}
// ANCHOR_END: run_immediates

// ANCHOR: guarded
impl EventLoop {
    /// Calls one callback. If it panics, the panic is reported and counted,
    /// the source whose callback it was (if any) is removed, and the loop
    /// goes on. Returns whether it returned normally.
    fn guarded(
        &mut self,
        what: &str,
        source: Option<SourceId>,
        callback: impl FnOnce(&mut EventLoop),
    ) -> bool {
        self.stats.callbacks += 1;
        // AssertUnwindSafe: the loop's own tables are consistent here (the
        // callback was taken out of them before the call) and are changed
        // by the callback only through methods that leave them consistent.
        // The callback's own state may be half-updated: that is why its
        // source is removed, dropping every callback of that source.
        let result = panic::catch_unwind(AssertUnwindSafe(|| callback(self)));
        let Err(payload) = result else {
            return true;
        };
        self.note_panic(what, &pool::panic_message(payload.as_ref()));
        if let Some(id) = source {
            self.remove(id);
        }
        false
    }

    fn note_panic(&mut self, what: &str, message: &str) {
        self.stats.panics += 1;
        self.stats.last_panic = Some(message.to_string());
        eprintln!("event loop: {what} panicked: {message}; the loop goes on");
    }
}
// ANCHOR_END: guarded

/// A duration in whole milliseconds, rounded up as `wait` rounds it.
fn ms_ceil(t: Duration) -> u128 {
    t.as_nanos().div_ceil(1_000_000)
}

/// The trace's line for what a `wait` returned.
fn woke_because(ready: &[Event], notified: bool) -> String {
    let mut what: Vec<String> = ready
        .iter()
        .map(|e| {
            let how = match (e.readable, e.writable) {
                (true, true) => "readable and writable",
                (true, false) => "readable",
                (false, true) => "writable",
                (false, false) => "hung up",
            };
            format!("source {} {how}", SourceId(e.token).slot())
        })
        .collect();
    if notified {
        what.push("eventfd (a notify)".to_string());
    }
    if what.is_empty() {
        "K-->>L: timed out".to_string()
    } else {
        format!("K-->>L: {}", what.join(", "))
    }
}
