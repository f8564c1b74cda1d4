//! A record of who does what, kept only while something asks for it: a
//! program with [`start`] and [`stop`], or anyone who runs a program of
//! this crate with `REACTOR_TRACE=1` in the environment, which makes every
//! runtime print each event to standard error as it happens.
//!
//! Each event is a line of a mermaid sequence diagram between the parties
//! of a run: `E` (the executor), `R` (the reactor), `W` (the timers), `K`
//! (the kernel), the tasks (`T0`, `T1`, … by their place in the runtime's
//! list, and `main` for the future `block_on` runs) and threads by name. The runtime tells
//! this module whose code is running ([`set_actor`]), so that the reactor
//! and the sockets can say who calls them.
//!
//! Wakes come from other threads, so the record is shared by the whole
//! process. When nobody records, [`record`] costs one atomic load.

use std::cell::Cell;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

static ON: AtomicBool = AtomicBool::new(false);
/// Print each event to standard error instead of keeping it.
static LIVE: AtomicBool = AtomicBool::new(false);
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static CHANGED: Condvar = Condvar::new();

/// The variable that turns live tracing on.
pub const ENV: &str = "REACTOR_TRACE";

fn events() -> MutexGuard<'static, Vec<String>> {
    // A panic while recording leaves a list of strings, still valid.
    EVENTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts recording, for the whole process.
pub fn start() {
    events().clear();
    ON.store(true, Ordering::Release);
}

/// Stops recording and returns the events.
pub fn stop() -> Vec<String> {
    ON.store(false, Ordering::Release);
    std::mem::take(&mut *events())
}

/// Turns live tracing on if `REACTOR_TRACE` is set (and not `0`). Every
/// runtime calls it when it starts.
pub fn from_env() {
    let wanted = std::env::var_os(ENV).is_some_and(|value| value != "0");
    if wanted && !LIVE.swap(true, Ordering::AcqRel) {
        eprintln!("sequenceDiagram");
        ON.store(true, Ordering::Release);
    }
}

/// Is anything recording? For code that would do work to describe an
/// event.
#[inline]
pub fn is_on() -> bool {
    ON.load(Ordering::Acquire)
}

/// Records an event; `event` runs only while recording.
///
/// Inlined, so that where nobody records, an event costs its caller one
/// load and a branch; describing and keeping it happens out of line.
/// (Measured: as a plain function, called seven times per request, it cost
/// the hello-world server 135 of its 1,740 instructions per request under
/// callgrind, in saving and restoring registers around the check.)
#[inline(always)]
pub fn record(event: impl FnOnce() -> String) {
    if ON.load(Ordering::Acquire) {
        keep(event);
    }
}

/// The slow path of [`record`]: only ever runs while recording.
#[cold]
#[inline(never)]
fn keep(event: impl FnOnce() -> String) {
    let event = event();
    if LIVE.load(Ordering::Acquire) {
        // One lock for the event's lines, so two threads' do not mix.
        let mut stderr = std::io::stderr().lock();
        for line in event.lines() {
            let _ = writeln!(stderr, "    {line}");
        }
        return;
    }
    events().push(event);
    CHANGED.notify_all();
}

/// Whose code runs on this thread, as a participant of the diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The executor's own code, or a thread that is no runtime's.
    Executor,
    /// The main future of `block_on`.
    Main,
    /// The task in slot `n` of the runtime's list.
    Task(usize),
    /// The reactor, handing out events.
    Reactor,
    /// The timers, handing out expiries (`W`, the wheel).
    Timers,
}

thread_local! {
    static ACTOR: Cell<Option<Actor>> = const { Cell::new(None) };
}

/// Says whose code runs on this thread from now on; returns whose ran
/// before. Only while recording: otherwise it does nothing.
#[inline]
pub fn set_actor(actor: Option<Actor>) -> Option<Actor> {
    if !is_on() {
        return None;
    }
    ACTOR.with(|current| current.replace(actor))
}

/// The participant whose code runs on this thread: the actor the runtime
/// set, or the thread's name.
pub fn actor() -> String {
    match ACTOR.with(Cell::get) {
        Some(Actor::Executor) => "E".into(),
        Some(Actor::Main) => "main".into(),
        Some(Actor::Task(n)) => format!("T{n}"),
        Some(Actor::Reactor) => "R".into(),
        Some(Actor::Timers) => "W".into(),
        None => thread(),
    }
}

/// The current thread's name, as a participant of the diagram.
pub fn thread() -> String {
    std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_string()
}

/// Waits until `done` says yes to the events recorded so far, or `timeout`
/// passes; returns whether it did. Lets a demo order its threads by what
/// the others have done, not by sleeping and hoping.
pub fn wait_until(done: impl Fn(&[String]) -> bool, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut events = events();
    loop {
        if done(&events) {
            return true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        events = CHANGED
            .wait_timeout(events, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// Waits until an event containing `text` has been recorded `times` times.
pub fn wait_for(text: &str, times: usize, timeout: Duration) -> bool {
    let count = |events: &[String]| {
        events.iter().filter(|event| event.contains(text)).count()
    };
    wait_until(|events| count(events) >= times, timeout)
}
