//! Futures whose sizes the chapter compares: what a state keeps decides
//! how big the future is.

use crate::inbox::Inbox;

/// Bytes in the buffers below.
pub const BUFFER: usize = 1024;

// ANCHOR: buffers
/// Fills a buffer, waits for a number, then uses the buffer again: the
/// buffer is alive across the `.await`, so it is part of the state.
pub async fn buffer_across_await(inbox: &Inbox) -> u32 {
    let mut buffer = [0u8; BUFFER];
    buffer.fill(1);
    let n = inbox.recv().await.unwrap_or(0);
    checksum(&buffer) + n
}

/// The same work, with the buffer's life ended before the `.await`: no
/// state needs to keep it.
pub async fn buffer_before_await(inbox: &Inbox) -> u32 {
    let sum = {
        let mut buffer = [0u8; BUFFER];
        buffer.fill(1);
        checksum(&buffer)
    };
    let n = inbox.recv().await.unwrap_or(0);
    sum + n
}
// ANCHOR_END: buffers

// ANCHOR: nested
/// Awaits [`buffer_across_await`] twice, one after the other: the two
/// inner futures never exist at the same time.
pub async fn one_after_the_other(inbox: &Inbox) -> u32 {
    let first = buffer_across_await(inbox).await;
    let second = buffer_across_await(inbox).await;
    first + second
}

/// Keeps a buffer of its own across an `.await` of
/// [`buffer_across_await`]: the two buffers are alive at the same time.
pub async fn buffer_around_buffer(inbox: &Inbox) -> u32 {
    let mut buffer = [0u8; BUFFER];
    buffer.fill(2);
    let inner = buffer_across_await(inbox).await;
    checksum(&buffer) + inner
}
// ANCHOR_END: nested

fn checksum(buffer: &[u8]) -> u32 {
    buffer.iter().map(|&byte| u32::from(byte)).sum()
}
