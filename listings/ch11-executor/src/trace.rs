//! A record of who wakes whom, kept only while a program asks for it. The
//! `who-wakes-whom` binary turns one run into the sequence diagram the
//! chapter shows, so the picture comes from the code. Each event is a line
//! of a mermaid sequence diagram between the parties of that run: `E` (the
//! executor: `drive` in chapter 10, the runtime in chapter 11), `F` (the
//! future), `S` (the event source, [`crate::oneshot`]) and threads by name.
//!
//! Wakes come from other threads, so unlike chapter 5's per-thread record
//! this one is shared by the whole process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

static ON: AtomicBool = AtomicBool::new(false);
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static CHANGED: Condvar = Condvar::new();

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

/// Records an event; `event` runs only while recording, so tracing costs
/// one atomic load otherwise.
pub fn record(event: impl FnOnce() -> String) {
    if ON.load(Ordering::Acquire) {
        events().push(event());
        CHANGED.notify_all();
    }
}

/// The current thread's name, as a participant of the diagram.
pub fn thread() -> String {
    std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_string()
}

/// Waits until an event containing `text` has been recorded, or `timeout`
/// passes; returns whether it was. Lets a demo order its threads by what
/// the others have done, not by sleeping and hoping.
pub fn wait_for(text: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut events = events();
    loop {
        if events.iter().any(|event| event.contains(text)) {
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
