//! How big futures are: `size_of_val` of the chapter's futures, and of the
//! pieces their states are made of. Sizes are fixed at compile time, so
//! they change only with the compiler and the target. Usage: `sizes`.

use std::mem::{size_of, size_of_val};

use ch09_futures::add_two::{add_two, add_two_by_hand};
use ch09_futures::harness::{machine, units::grouped};
use ch09_futures::inbox::{Inbox, Recv};
use ch09_futures::pinned::{sum_later, sum_later_by_hand};
use ch09_futures::sizes::{
    buffer_across_await, buffer_around_buffer, buffer_before_await,
    one_after_the_other,
};

fn show(what: &str, bytes: usize) {
    println!("  {what:<40} {} bytes", grouped(bytes as f64, 0));
}

/// Prints the size of the future an expression makes, without polling it.
macro_rules! future {
    ($future:expr) => {
        show(stringify!($future), size_of_val(&$future))
    };
}

// ANCHOR: main
fn main() {
    println!("{}", machine::line());
    println!("pieces a state is made of:");
    show("&Inbox", size_of::<&Inbox>());
    show("u32", size_of::<u32>());
    show("Recv (the future inbox.recv() returns)", size_of::<Recv>());
    show("[u8; 1024]", size_of::<[u8; 1024]>());

    let inbox = Inbox::new(&[]);
    println!("futures, created and never polled:");
    future!(add_two(&inbox));
    future!(add_two_by_hand(&inbox));
    future!(buffer_before_await(&inbox));
    future!(buffer_across_await(&inbox));
    future!(one_after_the_other(&inbox));
    future!(buffer_around_buffer(&inbox));
    future!(Box::pin(buffer_around_buffer(&inbox)));
    future!(sum_later(&inbox));
    future!(sum_later_by_hand(&inbox));
}
// ANCHOR_END: main
