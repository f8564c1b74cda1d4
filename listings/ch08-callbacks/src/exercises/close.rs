//! Exercise 2: a close callback, as libuv's `uv_close` has.

use crate::event_loop::{EventLoop, SourceId};

// ANCHOR: close
/// Closes a source: its callbacks stop at once, and `on_close` runs later,
/// from the loop, after the callback that called `close` has returned.
/// Returns false (and never calls `on_close`) if the source was closed
/// already.
pub fn close(
    lp: &mut EventLoop,
    id: SourceId,
    on_close: impl FnOnce(&mut EventLoop) + 'static,
) -> bool {
    if !lp.remove(id) {
        return false;
    }
    lp.set_immediate(on_close);
    true
}
// ANCHOR_END: close
