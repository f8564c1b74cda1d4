//! Exercise 3's answer: the sizes of the four futures to predict, next to
//! the future they are built around. Usage: `exercise-sizes`.

use std::mem::size_of_val;

use ch09_futures::exercises::sizes::{
    both_made_first, boxed_inside, in_scope_across_await, ten_in_a_loop,
};
use ch09_futures::harness::{machine, units::grouped};
use ch09_futures::inbox::Inbox;
use ch09_futures::sizes::buffer_across_await;

macro_rules! future {
    ($future:expr) => {
        println!(
            "  {:<33} {} bytes",
            stringify!($future),
            grouped(size_of_val(&$future) as f64, 0)
        )
    };
}

fn main() {
    println!("{}", machine::line());
    let inbox = Inbox::new(&[]);
    future!(buffer_across_await(&inbox));
    future!(in_scope_across_await(&inbox));
    future!(ten_in_a_loop(&inbox));
    future!(both_made_first(&inbox));
    future!(boxed_inside(&inbox));
}
