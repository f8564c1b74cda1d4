//! A record of who wakes whom, kept only while a program asks for it. The
//! `trace` binary turns one run into the sequence diagram the chapter shows,
//! so the picture comes from the code, not from memory. Each event is a
//! line of a mermaid sequence diagram; the participants are `S` (the
//! scheduler loop), `N` (the netpoller), `K` (the kernel) and `G0`, `G1`, …
//! (green threads by id). It sits beside every layer and imports none of
//! them: it keeps its own note of which green thread runs.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::{self, SocketAddr};

use crate::policy::ThreadId;

thread_local! {
    static EVENTS: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
    /// The green thread the scheduler last switched to.
    static ON_CPU: Cell<Option<ThreadId>> = const { Cell::new(None) };
}

/// Starts recording on this OS thread.
pub fn start() {
    EVENTS.set(Some(Vec::new()));
    ON_CPU.set(None);
}

/// Records that the scheduler switches to `thread`, and notes that the
/// socket calls recorded from now on are that thread's.
pub fn resume(thread: ThreadId) {
    record(|| {
        ON_CPU.set(Some(thread));
        format!("S->>{}: resume", name(thread))
    });
}

/// Stops recording and returns the events.
pub fn stop() -> Vec<String> {
    EVENTS.take().unwrap_or_default()
}

/// Records an event; `event` runs only while recording, so tracing costs a
/// thread-local lookup otherwise.
pub fn record(event: impl FnOnce() -> String) {
    EVENTS.with_borrow_mut(|events| {
        if let Some(events) = events {
            events.push(event());
        }
    });
}

/// `G3` for green thread 3.
pub fn name(thread: ThreadId) -> String {
    format!("G{}", thread.0)
}

/// Records a socket call of the running green thread and what it returned,
/// and passes the result on unchanged.
pub fn io<R: Outcome>(call: &str, result: io::Result<R>) -> io::Result<R> {
    record(|| {
        let me = ON_CPU.get().map_or_else(|| "main".to_string(), name);
        let outcome = match &result {
            Ok(value) => value.describe(),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                "EAGAIN".to_string()
            }
            Err(e) => e.to_string(),
        };
        format!("{me}->>K: {call}\nK-->>{me}: {outcome}")
    });
    result
}

/// A successful socket call's result, in a few words.
pub trait Outcome {
    fn describe(&self) -> String;
}

impl Outcome for usize {
    fn describe(&self) -> String {
        format!("{self} bytes")
    }
}

impl Outcome for (net::TcpStream, SocketAddr) {
    fn describe(&self) -> String {
        "a new connection".to_string()
    }
}
