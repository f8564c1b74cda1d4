//! Exercise 3: predict the sizes of these futures, then measure them.

use crate::inbox::Inbox;
use crate::sizes::{BUFFER, buffer_across_await};

fn checksum(buffer: &[u8]) -> u32 {
    buffer.iter().map(|&byte| u32::from(byte)).sum()
}

// ANCHOR: exercise
/// Uses its buffer only before the `.await`, but the buffer is still in
/// scope there.
pub async fn in_scope_across_await(inbox: &Inbox) -> u32 {
    let buffer = [1u8; BUFFER];
    let sum = checksum(&buffer);
    let n = inbox.recv().await.unwrap_or(0);
    sum + n
}

/// Awaits `buffer_across_await` ten times in a loop.
pub async fn ten_in_a_loop(inbox: &Inbox) -> u32 {
    let mut total = 0;
    for _ in 0..10 {
        total += buffer_across_await(inbox).await;
    }
    total
}

/// Makes both inner futures first, then awaits one after the other.
pub async fn both_made_first(inbox: &Inbox) -> u32 {
    let first = buffer_across_await(inbox);
    let second = buffer_across_await(inbox);
    first.await + second.await
}

/// Awaits `buffer_across_await` in a box.
pub async fn boxed_inside(inbox: &Inbox) -> u32 {
    Box::pin(buffer_across_await(inbox)).await
}
// ANCHOR_END: exercise
