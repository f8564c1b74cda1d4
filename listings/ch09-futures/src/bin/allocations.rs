//! "A future allocates nothing of its own", measured: a counting global
//! allocator, and the number of allocations this thread makes while a
//! future is created and run to completion. Usage: `allocations`.

use std::cell::RefCell;
use std::fmt::Debug;
use std::rc::Rc;

use ch09_futures::add_two::{add_two, add_two_by_hand};
use ch09_futures::counted::{Stats, add_two_counted, add_two_counted_chained};
use ch09_futures::counting::{CountingAllocator, count_allocations};
use ch09_futures::driver::block_on;
use ch09_futures::harness::machine;
use ch09_futures::inbox::Inbox;

// ANCHOR: main
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const SCRIPT: &[Option<u32>] = &[Some(40), Some(2)];

fn main() {
    // The first print sets up stdout's buffer: get that done first.
    println!("{}", machine::line());

    let inbox = Inbox::new(SCRIPT);
    measure("add_two, created and run to completion", || {
        block_on(add_two(&inbox))
    });
    let inbox = Inbox::new(SCRIPT);
    measure("add_two_by_hand, created and run", || {
        block_on(add_two_by_hand(&inbox))
    });
    let inbox = Inbox::new(SCRIPT);
    measure("add_two in a Box::pin, created and run", || {
        block_on(Box::pin(add_two(&inbox)))
    });
    let inbox = Inbox::new(SCRIPT);
    measure("combinators sharing an Rc<RefCell<Stats>>", || {
        let stats = Rc::new(RefCell::new(Stats::default()));
        block_on(add_two_counted_chained(&inbox, stats))
    });
    let inbox = Inbox::new(SCRIPT);
    let mut stats = Stats::default();
    measure("the async fn with a &mut Stats", || {
        block_on(add_two_counted(&inbox, &mut stats))
    });
}
// ANCHOR_END: main

/// Prints what is measured, runs it, and prints its result and the number
/// of allocations it made.
fn measure<R: Debug>(what: &str, run: impl FnOnce() -> R) {
    println!("{what}");
    let (result, allocations) = count_allocations(run);
    println!("  => {result:?}, allocations: {allocations}");
}
