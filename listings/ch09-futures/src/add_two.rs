//! One `async fn` and the state machine it becomes, written by hand. Both
//! print the same lines when the same driver runs them.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inbox::{Inbox, Recv};

// ANCHOR: async_fn
/// Waits for two numbers and adds them: `None` if the inbox closes first
/// (or the sum does not fit in a `u32`).
pub async fn add_two(inbox: &Inbox) -> Option<u32> {
    println!("  add_two: waiting for the first number");
    let a = inbox.recv().await?;
    println!("  add_two: got {a}, waiting for the second");
    let b = inbox.recv().await?;
    let sum = a.checked_add(b)?;
    println!("  add_two: got {b}, returning {sum}");
    Some(sum)
}
// ANCHOR_END: async_fn

// ANCHOR: state_enum
/// What [`add_two`] becomes, by hand: one variant for each place the
/// function can be stopped, holding what it still needs from there on.
pub enum AddTwo<'a> {
    /// Called, never polled: only the argument is here.
    Start { inbox: &'a Inbox },
    /// Stopped at the first `.await`.
    First { inbox: &'a Inbox, recv: Recv<'a> },
    /// Stopped at the second `.await`, with the first number.
    Second { a: u32, recv: Recv<'a> },
    /// Returned its output; polling it again is a bug.
    Done,
}

/// Calling the function only builds the first state: nothing runs yet.
pub fn add_two_by_hand(inbox: &Inbox) -> AddTwo<'_> {
    AddTwo::Start { inbox }
}
// ANCHOR_END: state_enum

// ANCHOR: state_poll
impl Future for AddTwo<'_> {
    type Output = Option<u32>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<u32>> {
        // `AddTwo` holds no pointer into itself, so `Pin` lets us have a
        // plain `&mut` (the section on `Pin` explains why that matters).
        let this = &mut *self;
        loop {
            match this {
                AddTwo::Start { inbox } => {
                    println!("  add_two: waiting for the first number");
                    let inbox = *inbox;
                    let recv = inbox.recv();
                    *this = AddTwo::First { inbox, recv };
                }
                AddTwo::First { inbox, recv } => {
                    let Poll::Ready(first) = Pin::new(recv).poll(cx) else {
                        return Poll::Pending;
                    };
                    let Some(a) = first else {
                        *this = AddTwo::Done;
                        return Poll::Ready(None);
                    };
                    println!("  add_two: got {a}, waiting for the second");
                    let recv = inbox.recv();
                    *this = AddTwo::Second { a, recv };
                }
                AddTwo::Second { a, recv } => {
                    let Poll::Ready(second) = Pin::new(recv).poll(cx) else {
                        return Poll::Pending;
                    };
                    let a = *a;
                    *this = AddTwo::Done;
                    let Some(b) = second else {
                        return Poll::Ready(None);
                    };
                    let Some(sum) = a.checked_add(b) else {
                        return Poll::Ready(None);
                    };
                    println!("  add_two: got {b}, returning {sum}");
                    return Poll::Ready(Some(sum));
                }
                AddTwo::Done => panic!("`AddTwo` polled after it returned"),
            }
        }
    }
}
// ANCHOR_END: state_poll
