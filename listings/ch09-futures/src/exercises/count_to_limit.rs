//! Exercise 1: the state machine of an `async fn` with an `.await` in a
//! loop, by hand.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inbox::{Inbox, Recv};

// ANCHOR: given
/// Waits for a limit, then adds up the numbers that follow until their
/// sum reaches it; returns how many numbers that took (`None` if the
/// inbox closes first).
pub async fn count_to_limit(inbox: &Inbox) -> Option<u32> {
    let limit = inbox.recv().await?;
    let mut total = 0u32;
    let mut count = 0;
    while total < limit {
        total = total.saturating_add(inbox.recv().await?);
        count += 1;
    }
    Some(count)
}
// ANCHOR_END: given

// ANCHOR: solution
/// [`count_to_limit`], by hand. The loop needs no state of its own: each
/// turn of it is a transition from `Adding` back to `Adding`.
pub enum CountToLimit<'a> {
    Start {
        inbox: &'a Inbox,
    },
    Limit {
        inbox: &'a Inbox,
        recv: Recv<'a>,
    },
    Adding {
        inbox: &'a Inbox,
        limit: u32,
        total: u32,
        count: u32,
        recv: Recv<'a>,
    },
    Done,
}

pub fn count_to_limit_by_hand(inbox: &Inbox) -> CountToLimit<'_> {
    CountToLimit::Start { inbox }
}

impl Future for CountToLimit<'_> {
    type Output = Option<u32>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<u32>> {
        let this = &mut *self;
        loop {
            match this {
                CountToLimit::Start { inbox } => {
                    let inbox = *inbox;
                    let recv = inbox.recv();
                    *this = CountToLimit::Limit { inbox, recv };
                }
                CountToLimit::Limit { inbox, recv } => {
                    let Poll::Ready(limit) = Pin::new(recv).poll(cx) else {
                        return Poll::Pending;
                    };
                    let Some(limit) = limit else {
                        *this = CountToLimit::Done;
                        return Poll::Ready(None);
                    };
                    // The loop's first test, before any number comes.
                    if limit == 0 {
                        *this = CountToLimit::Done;
                        return Poll::Ready(Some(0));
                    }
                    let recv = inbox.recv();
                    *this = CountToLimit::Adding {
                        inbox,
                        limit,
                        total: 0,
                        count: 0,
                        recv,
                    };
                }
                CountToLimit::Adding {
                    inbox,
                    limit,
                    total,
                    count,
                    recv,
                } => {
                    let Poll::Ready(number) = Pin::new(&mut *recv).poll(cx)
                    else {
                        return Poll::Pending;
                    };
                    let Some(number) = number else {
                        *this = CountToLimit::Done;
                        return Poll::Ready(None);
                    };
                    *total = total.saturating_add(number);
                    *count += 1;
                    if *total >= *limit {
                        let count = *count;
                        *this = CountToLimit::Done;
                        return Poll::Ready(Some(count));
                    }
                    // Round the loop again: a new `recv`, same state.
                    *recv = inbox.recv();
                }
                CountToLimit::Done => {
                    panic!("`CountToLimit` polled after it returned")
                }
            }
        }
    }
}
// ANCHOR_END: solution
