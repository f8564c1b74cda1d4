//! `pin!` and `Box::pin` at work on the self-referential `SumLater`: one
//! future pinned on the stack and polled by hand; then futures of
//! different types pinned in boxes and kept in one list, as an executor
//! keeps its tasks. Usage: `pinning`.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use ch09_futures::inbox::Inbox;
use ch09_futures::pinned::{sum_later, sum_later_by_hand};

/// A future in a box, whatever its type: what a task list holds.
type Task<'a> = Pin<Box<dyn Future<Output = u32> + 'a>>;

// ANCHOR: main
fn main() {
    let mut cx = Context::from_waker(Waker::noop());

    println!("== pin!: pinned in this stack frame, polled here ==");
    let inbox = Inbox::new(&[None, Some(4)]);
    let mut future = pin!(sum_later_by_hand(&inbox));
    let sum = loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(sum) => break sum,
            Poll::Pending => println!("  -> Pending"),
        }
    };
    println!("  -> Ready({sum})");

    println!("== Box::pin: pinned on the heap, kept in a list ==");
    let inboxes = [
        Inbox::new(&[None, None, Some(10)]),
        Inbox::new(&[Some(20)]),
        Inbox::new(&[None, Some(30)]),
    ];
    let mut tasks: Vec<(&str, Task)> = vec![
        ("sum_later", Box::pin(sum_later(&inboxes[0]))),
        (
            "sum_later_by_hand",
            Box::pin(sum_later_by_hand(&inboxes[1])),
        ),
        ("another sum_later", Box::pin(sum_later(&inboxes[2]))),
    ];
    // Poll every unfinished task in turn; drop each once it is ready.
    while !tasks.is_empty() {
        tasks.retain_mut(|(name, task)| match task.as_mut().poll(&mut cx) {
            Poll::Ready(sum) => {
                println!("{name} -> Ready({sum})");
                false
            }
            Poll::Pending => {
                println!("{name} -> Pending");
                true
            }
        });
    }
}
// ANCHOR_END: main
