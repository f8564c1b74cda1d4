//! A future that borrows from itself: the `async fn` and the state machine
//! it becomes, by hand, with the one pointer into itself that makes it
//! unsafe to move.

use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::inbox::{Inbox, Recv};

// ANCHOR: sum_later
/// Sums a local array after waiting for one more number: the borrow
/// `view` is alive across the `.await`.
pub async fn sum_later(inbox: &Inbox) -> u32 {
    let numbers = [1, 2, 3];
    let view = &numbers;
    let extra = inbox.recv().await.unwrap_or(0);
    view.iter().sum::<u32>().saturating_add(extra)
}
// ANCHOR_END: sum_later

// ANCHOR: sum_later_struct
/// What [`sum_later`] becomes, by hand. `view` points at `numbers`, in
/// the same struct: moving the struct would leave `view` pointing at the
/// place it moved away from.
pub struct SumLater<'a> {
    state: State<'a>,
    numbers: [u32; 3],
    view: *const [u32; 3],
    /// Opts out of `Unpin`: once pinned, this struct stays where it is.
    _pinned: PhantomPinned,
}

enum State<'a> {
    Start { inbox: &'a Inbox },
    Waiting { recv: Recv<'a> },
    Done,
}

pub fn sum_later_by_hand(inbox: &Inbox) -> SumLater<'_> {
    SumLater {
        state: State::Start { inbox },
        numbers: [0; 3],
        view: std::ptr::null(),
        _pinned: PhantomPinned,
    }
}
// ANCHOR_END: sum_later_struct

// ANCHOR: sum_later_poll
impl Future for SumLater<'_> {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        // SAFETY: we never move the struct or anything out of it, and we
        // hand no `&mut` to it to anyone; `Pin` asks nothing more of us.
        let this = unsafe { self.get_unchecked_mut() };
        loop {
            match &mut this.state {
                State::Start { inbox } => {
                    this.numbers = [1, 2, 3];
                    this.view = &raw const this.numbers;
                    this.state = State::Waiting { recv: inbox.recv() };
                }
                State::Waiting { recv } => {
                    let extra = ready!(Pin::new(recv).poll(cx)).unwrap_or(0);
                    this.state = State::Done;
                    // SAFETY: the first poll pointed `view` at `numbers` in
                    // this struct, and the struct has not moved since: it is
                    // pinned, and `Pin` promises it stays put until dropped.
                    let view = unsafe { &*this.view };
                    return Poll::Ready(
                        view.iter().sum::<u32>().saturating_add(extra),
                    );
                }
                State::Done => panic!("`SumLater` polled after it returned"),
            }
        }
    }
}
// ANCHOR_END: sum_later_poll
