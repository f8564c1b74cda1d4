//! A record of who calls back whom, kept only while a program asks for it.
//! The `trace` binary turns one run into the sequence diagram the chapter
//! shows, so the picture comes from the code, not from memory. Each event
//! is a line of a mermaid sequence diagram. It sits beside every layer and
//! imports none of them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static ON: AtomicBool = AtomicBool::new(false);
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Starts recording, from every thread.
pub fn start() {
    lock().clear();
    ON.store(true, Ordering::SeqCst);
}

/// Stops recording and returns the events.
pub fn stop() -> Vec<String> {
    ON.store(false, Ordering::SeqCst);
    std::mem::take(&mut *lock())
}

/// Records the line `event` makes, if recording; costs one atomic load if
/// not.
pub fn record(event: impl FnOnce() -> String) {
    if ON.load(Ordering::Relaxed) {
        let line = event();
        lock().push(line);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<String>> {
    EVENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
