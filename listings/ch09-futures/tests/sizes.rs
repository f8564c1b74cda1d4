//! What a future's size is made of: checked as relations that hold for
//! any compiler, rather than as exact byte counts.

use std::mem::{size_of, size_of_val};

use ch09_futures::add_two::{add_two, add_two_by_hand};
use ch09_futures::inbox::{Inbox, Recv};
use ch09_futures::pinned::{sum_later, sum_later_by_hand};
use ch09_futures::sizes::{
    BUFFER, buffer_across_await, buffer_around_buffer, buffer_before_await,
    one_after_the_other,
};

#[test]
fn a_leaf_future_holds_only_its_reference() {
    assert_eq!(size_of::<Recv>(), size_of::<&Inbox>());
}

#[test]
fn a_state_machine_holds_what_its_states_need() {
    let inbox = Inbox::new(&[]);
    // `Second` holds a `u32` and a `Recv`; `First` a reference and a `Recv`.
    let by_hand = size_of_val(&add_two_by_hand(&inbox));
    assert!(by_hand >= size_of::<&Inbox>() + size_of::<Recv>());
    assert!(by_hand <= 4 * size_of::<usize>());
    // The compiler's version keeps at least as much.
    assert!(size_of_val(&add_two(&inbox)) >= by_hand);
}

#[test]
fn a_buffer_alive_across_an_await_is_part_of_the_future() {
    let inbox = Inbox::new(&[]);
    assert!(size_of_val(&buffer_across_await(&inbox)) > BUFFER);
    assert!(size_of_val(&buffer_before_await(&inbox)) < 64);
}

#[test]
fn futures_awaited_one_after_the_other_share_their_space() {
    let inbox = Inbox::new(&[]);
    let one = size_of_val(&buffer_across_await(&inbox));
    let sequential = size_of_val(&one_after_the_other(&inbox));
    assert!(sequential > one && sequential < one + 64);
    let nested = size_of_val(&buffer_around_buffer(&inbox));
    assert!(nested >= one + BUFFER);
}

#[test]
fn a_boxed_future_is_a_pointer() {
    let inbox = Inbox::new(&[]);
    let boxed = Box::pin(buffer_around_buffer(&inbox));
    assert_eq!(size_of_val(&boxed), size_of::<usize>());
}

#[test]
fn a_self_borrowing_future_keeps_the_data_and_the_pointer() {
    let inbox = Inbox::new(&[]);
    let minimum = size_of::<[u32; 3]>() + size_of::<*const u8>();
    assert!(size_of_val(&sum_later(&inbox)) >= minimum);
    assert!(size_of_val(&sum_later_by_hand(&inbox)) >= minimum);
}
