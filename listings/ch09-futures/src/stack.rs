//! How much of a thread's stack running a future takes: a future lives
//! where its owner puts it, and a driver that pins it with `pin!` puts it
//! on the stack.

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::driver::block_on;

/// Bytes each level of [`handle_request`] keeps across its `.await`.
pub const LEVEL_BUFFER: usize = 16 * 1024;

thread_local! {
    static PROBED_AT: Cell<usize> = const { Cell::new(0) };
}

/// An address in the current stack frame of the caller's callee: where
/// the stack has got to when this is called.
#[inline(never)]
pub fn stack_position() -> usize {
    let marker = 0u8;
    black_box(&raw const marker).addr()
}

/// A leaf future that notes how deep the stack is when it is polled.
pub struct StackProbe;

impl Future for StackProbe {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        PROBED_AT.set(stack_position());
        Poll::Ready(())
    }
}

// ANCHOR: levels
/// Four levels of `async fn`, each keeping a 16 KiB buffer across the
/// `.await` of the next: a handler calls a service, which calls a client,
/// which reads a reply.
pub async fn handle_request() -> u8 {
    let buffer = [1u8; LEVEL_BUFFER];
    let reply = call_service().await;
    black_box(&buffer)[0] + reply
}

pub async fn call_service() -> u8 {
    let buffer = [1u8; LEVEL_BUFFER];
    let reply = query_client().await;
    black_box(&buffer)[0] + reply
}

pub async fn query_client() -> u8 {
    let buffer = [1u8; LEVEL_BUFFER];
    let reply = read_reply().await;
    black_box(&buffer)[0] + reply
}

pub async fn read_reply() -> u8 {
    let buffer = [1u8; LEVEL_BUFFER];
    StackProbe.await;
    black_box(&buffer)[0]
}
// ANCHOR_END: levels

/// An `async fn` that calls itself `depth` times, each call in a `Box`
/// (it could not contain itself otherwise), then polls a [`StackProbe`].
pub async fn recurse(depth: u32) {
    if depth == 0 {
        StackProbe.await;
    } else {
        Box::pin(recurse(depth - 1)).await;
    }
}

/// Where [`stack_in_use`] puts the future it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Handed to [`block_on`] as it is: `block_on` pins it on the stack.
    Stack,
    /// Moved into a `Box` first (`Box::pin`), so only a pointer is on the
    /// stack.
    Boxed,
}

/// Creates a future with `make` and runs it to completion on this thread;
/// returns how many bytes of stack were in use, counted from this call,
/// when the future's innermost [`StackProbe`] was polled.
pub fn stack_in_use<F: Future>(
    make: impl FnOnce() -> F,
    placement: Placement,
) -> usize {
    let top = stack_position();
    match placement {
        Placement::Stack => run_on_stack(make),
        Placement::Boxed => run_boxed(make),
    }
    top.saturating_sub(PROBED_AT.get())
}

// Not inlined, so that the future's place is in a frame below `top`.
#[inline(never)]
fn run_on_stack<F: Future>(make: impl FnOnce() -> F) {
    block_on(make());
}

#[inline(never)]
fn run_boxed<F: Future>(make: impl FnOnce() -> F) {
    block_on(Box::pin(make()));
}
