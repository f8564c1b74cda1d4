//! A record of what the driver did, in order: each push, each
//! `io_uring_enter`, each completion, and notes from whoever else takes
//! part (a client). The diagrams on the chapter's page are drawn from it.

use std::sync::{Arc, Mutex};

use crate::poll::Token;
use crate::uring::Kind;

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// An SQE was written into the submission ring.
    Pushed { op: Token, owner: Token, kind: Kind },
    /// `io_uring_enter` is called, to submit what was pushed since the
    /// last call, and (`waits`) to wait for a completion.
    Entering { waits: bool },
    /// A completion was taken from the completion ring.
    Completed {
        op: Token,
        owner: Token,
        kind: Kind,
        res: i32,
    },
    /// Something outside the driver, in words.
    Note(String),
}

/// A shared, growing list of events.
#[derive(Clone, Default)]
pub struct Trace(Arc<Mutex<Vec<Event>>>);

impl Trace {
    pub fn new() -> Trace {
        Trace::default()
    }

    pub fn record(&self, event: Event) {
        self.lock().push(event);
    }

    pub fn note(&self, text: impl Into<String>) {
        self.record(Event::Note(text.into()));
    }

    /// Everything recorded so far.
    pub fn events(&self) -> Vec<Event> {
        self.lock().clone()
    }

    /// Whether some recorded event satisfies `test`.
    pub fn contains(&self, test: impl Fn(&Event) -> bool) -> bool {
        self.lock().iter().any(test)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Event>> {
        // A panic while holding the lock leaves a list that is still a
        // list: keep using it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
