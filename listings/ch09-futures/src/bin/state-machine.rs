//! The `async fn` `add_two` and the state machine written by hand for it,
//! run by the same driver on the same script: both print the same lines.
//! Usage: `state-machine`.

use ch09_futures::add_two::{add_two, add_two_by_hand};
use ch09_futures::driver::block_on_traced;
use ch09_futures::inbox::Inbox;

/// The first number comes at once, the second after two empty attempts.
const SCRIPT: &[Option<u32>] = &[None, Some(40), None, None, Some(2)];

// ANCHOR: main
fn main() {
    println!("== the async fn ==");
    let inbox = Inbox::new(SCRIPT);
    let sum = block_on_traced(add_two(&inbox));
    println!("returned {sum:?}");

    println!("== the state machine written by hand ==");
    let inbox = Inbox::new(SCRIPT);
    let sum = block_on_traced(add_two_by_hand(&inbox));
    println!("returned {sum:?}");
}
// ANCHOR_END: main
