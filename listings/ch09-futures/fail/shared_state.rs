use std::future::{Future, ready};

use ch09_futures::combinators::{Either, FutureExt};
use ch09_futures::counted::Stats;
use ch09_futures::inbox::Inbox;

fn add_two_counted_chained<'a>(
    inbox: &'a Inbox,
    stats: &'a mut Stats,
) -> impl Future<Output = Option<u32>> + 'a {
    inbox
        .recv()
        .map(|first| stats.seen(first))
        .and_then(move |first| match first {
            None => Either::Left(ready(None)),
            Some(a) => Either::Right(inbox.recv().map(move |second| {
                let b = stats.seen(second)?;
                a.checked_add(b)
            })),
        })
}

fn main() {
    let inbox = Inbox::new(&[Some(40), Some(2)]);
    let mut stats = Stats::default();
    let sum = ch09_futures::driver::block_on(add_two_counted_chained(
        &inbox, &mut stats,
    ));
    assert_eq!((sum, stats.messages), (Some(42), 2));
}
