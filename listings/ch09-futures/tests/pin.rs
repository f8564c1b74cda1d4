//! A value that points into itself: what a move does to it, and the
//! hand-written self-referential future, which must be pinned. These run
//! under Miri too (`cargo xtask test --only miri`), which checks the
//! `unsafe` code of `SumLater` for undefined behaviour.

mod common;

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use ch09_futures::driver::block_on;
use ch09_futures::inbox::Inbox;
use ch09_futures::pinned::{sum_later, sum_later_by_hand};
use ch09_futures::self_ref::SelfRef;
use common::{SCRIPTS, run};

#[test]
fn a_move_leaves_the_pointer_behind() {
    let mut value = SelfRef::new(*b"ping");
    value.point_at_data();
    assert_eq!(value.view_address(), value.data_address());
    let before = value.data_address();
    let moved = Box::new(value);
    assert_ne!(moved.data_address(), before);
    assert_eq!(moved.view_address(), before, "still the old place");
}

#[test]
fn the_hand_written_future_sums_like_the_async_fn() {
    for &script in SCRIPTS {
        let compiled = run(sum_later(&Inbox::new(script)));
        let by_hand = run(sum_later_by_hand(&Inbox::new(script)));
        assert_eq!(compiled, by_hand, "script {script:?}");
    }
    assert_eq!(
        run(sum_later_by_hand(&Inbox::new(&[None, Some(4)]))),
        (10, 2)
    );
}

#[test]
fn it_works_pinned_on_the_stack_and_in_a_box() {
    let inbox = Inbox::new(&[None, None, Some(4)]);
    assert_eq!(block_on(sum_later_by_hand(&inbox)), 10);
    let inbox = Inbox::new(&[None, Some(5)]);
    assert_eq!(block_on(Box::pin(sum_later_by_hand(&inbox))), 11);
}

#[test]
fn a_boxed_pinned_future_may_move_as_a_box() {
    // Moving the `Pin<Box<_>>` moves the pointer, not the future.
    let inbox = Inbox::new(&[None, Some(4)]);
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = Box::pin(sum_later_by_hand(&inbox));
    assert!(future.as_mut().poll(&mut cx).is_pending());
    let mut moved: Vec<Pin<Box<dyn Future<Output = u32> + '_>>> = vec![future];
    assert_eq!(moved[0].as_mut().poll(&mut cx), Poll::Ready(10));
}

#[test]
fn pin_macro_pins_in_this_frame() {
    let inbox = Inbox::new(&[None, Some(1)]);
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(sum_later_by_hand(&inbox));
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(7));
}
