//! A lost wakeup, produced on demand: the flag of exercise 2 (which looks
//! at the flag before it stores its waker) is polled once while another
//! thread's `set` runs exactly between the look and the store (see
//! `interleave.rs`). Usage: `lost-wakeup`.

use std::pin::Pin;
use std::sync::Arc;

use ch10_wakers::exercises::lost_wakeup::Flag;
use ch10_wakers::interleave::{RanAt, poll_with_gap};

// ANCHOR: main
fn main() {
    let flag = Flag::new();
    let mut wait = flag.wait();
    let setter = Arc::clone(&flag);
    let run = poll_with_gap(Pin::new(&mut wait), move || setter.set());
    let when = match run.ran_at {
        RanAt::InsideClone => "between the look at the flag and the store",
        RanAt::AfterPoll => "after the poll",
    };
    println!("set() ran on thread sender, {when}");
    println!("the poll returned {:?}", run.poll);
    println!("wakes, once set() had returned: {}", run.wakes);
    if run.poll.is_pending() && run.wakes == 0 {
        println!("the flag is set, and nobody will poll the future again");
    }
}
// ANCHOR_END: main
