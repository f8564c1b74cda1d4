//! Exercise 1: `debounce` waits for a value, then for a quiet spell: every
//! new value restarts the wait, and the last one wins.

use std::time::Duration;

use crate::channel::Receiver;
use crate::time;

// ANCHOR: debounce
/// The last of a burst of values: waits for one, then returns the latest
/// once `quiet` has passed without another (or the senders are gone).
/// `None` if the channel closes with nothing sent.
pub async fn debounce<T>(
    values: &mut Receiver<T>,
    quiet: Duration,
) -> Option<T> {
    let mut latest = values.recv().await?;
    loop {
        match time::timeout(quiet, values.recv()).await {
            Ok(Some(value)) => latest = value, // not quiet yet: start over
            Ok(None) | Err(_) => return Some(latest),
        }
    }
}
// ANCHOR_END: debounce
