//! A stand-in for a socket, so that this chapter's futures have something
//! to wait for before chapter 12 gives them real sockets.
//!
//! An [`Inbox`] follows a script: each attempt to receive takes the script's
//! next entry. `None` means "nothing yet", the `EAGAIN` of a non-blocking
//! read; `Some(n)` is a message. Past the end of the script the inbox is
//! closed, as a socket is after the peer hung up.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Scripted messages; see the module's documentation.
pub struct Inbox {
    script: &'static [Option<u32>],
    next: Cell<usize>,
}

impl Inbox {
    /// An inbox that follows `script`.
    pub const fn new(script: &'static [Option<u32>]) -> Inbox {
        Inbox {
            script,
            next: Cell::new(0),
        }
    }

    /// A future that waits for the next message: `Some(n)`, or `None` once
    /// the inbox is closed.
    pub fn recv(&self) -> Recv<'_> {
        Recv { inbox: self }
    }

    /// How many entries of the script have been used up so far.
    pub fn attempts(&self) -> usize {
        self.next.get()
    }

    /// Takes the script's next entry: `None` when it has run out.
    fn take(&self) -> Option<Option<u32>> {
        let entry = self.script.get(self.next.get()).copied();
        if entry.is_some() {
            self.next.set(self.next.get() + 1);
        }
        entry
    }
}

// ANCHOR: recv
/// The future [`Inbox::recv`] returns.
pub struct Recv<'a> {
    inbox: &'a Inbox,
}

impl Future for Recv<'_> {
    type Output = Option<u32>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        match self.inbox.take() {
            Some(None) => {
                println!("  recv: nothing yet");
                // A real source would register interest and wake us when
                // the message comes (chapter 10). This one will have it on
                // a later poll, so it asks to be polled again right away.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(Some(message)) => {
                println!("  recv: {message}");
                Poll::Ready(Some(message))
            }
            None => {
                println!("  recv: closed");
                Poll::Ready(None)
            }
        }
    }
}
// ANCHOR_END: recv
