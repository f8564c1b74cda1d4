//! `add_two` three more times: as a chain of combinators, then with a
//! count of the messages kept in state that two steps share, first with
//! combinators and then with `async`/`.await`.

use std::cell::RefCell;
use std::future::{Future, ready};
use std::rc::Rc;

use crate::combinators::{Either, FutureExt};
use crate::inbox::Inbox;

// ANCHOR: chained
/// [`crate::add_two::add_two`], written with combinators.
pub fn add_two_chained(
    inbox: &Inbox,
) -> impl Future<Output = Option<u32>> + '_ {
    inbox.recv().and_then(move |first| match first {
        None => Either::Left(ready(None)),
        Some(a) => Either::Right(
            inbox.recv().map(move |second| a.checked_add(second?)),
        ),
    })
}
// ANCHOR_END: chained

// ANCHOR: stats
/// What the caller wants counted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub messages: u32,
}

impl Stats {
    /// Counts `message` if there is one, and passes it on.
    pub fn seen(&mut self, message: Option<u32>) -> Option<u32> {
        if message.is_some() {
            self.messages += 1;
        }
        message
    }
}
// ANCHOR_END: stats

// ANCHOR: shared
/// [`add_two_chained`], counting messages in `stats` at two steps: each
/// step's closure holds its own handle to the shared `Stats`.
pub fn add_two_counted_chained(
    inbox: &Inbox,
    stats: Rc<RefCell<Stats>>,
) -> impl Future<Output = Option<u32>> + '_ {
    let stats_later = Rc::clone(&stats);
    inbox
        .recv()
        .map(move |first| stats.borrow_mut().seen(first))
        .and_then(move |first| match first {
            None => Either::Left(ready(None)),
            Some(a) => Either::Right(inbox.recv().map(move |second| {
                let b = stats_later.borrow_mut().seen(second)?;
                a.checked_add(b)
            })),
        })
}
// ANCHOR_END: shared

// ANCHOR: sugar
/// The same with `async`/`.await`: a plain `&mut` does.
pub async fn add_two_counted(inbox: &Inbox, stats: &mut Stats) -> Option<u32> {
    let a = stats.seen(inbox.recv().await)?;
    let b = stats.seen(inbox.recv().await)?;
    a.checked_add(b)
}
// ANCHOR_END: sugar
