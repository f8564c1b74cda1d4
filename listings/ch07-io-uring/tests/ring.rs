//! The rings themselves: submissions and completions matched by
//! `user_data`, a full submission ring, a full completion ring.

mod common;

use ch07_io_uring::driver::{Driver, Kind, Submit};
use ch07_io_uring::poll::Token;
use ch07_io_uring::uring::{Full, Ring, Sqe, abi};

fn nop(user_data: u64) -> Sqe {
    Sqe {
        opcode: abi::OP_NOP,
        user_data,
        ..Sqe::default()
    }
}

fn pop_all(ring: &mut Ring) -> Vec<u64> {
    std::iter::from_fn(|| ring.pop().map(|cqe| cqe.user_data)).collect()
}

#[test]
fn the_kernel_sees_nothing_before_submit_and_answers_every_user_data() {
    if common::skip(false) {
        return;
    }
    let mut ring = Ring::new(4).unwrap();
    for user_data in [10, 20, 30] {
        // SAFETY: a NOP points at no memory.
        unsafe { ring.push(&nop(user_data)) }.unwrap();
    }
    assert_eq!(
        pop_all(&mut ring),
        Vec::<u64>::new(),
        "pushed is not submitted"
    );
    assert_eq!(ring.submit().unwrap(), 3);
    assert_eq!(pop_all(&mut ring), [10, 20, 30]);
    assert_eq!(ring.invalid_submissions(), 0);
}

#[test]
fn a_full_submission_ring_takes_more_after_a_submit() {
    if common::skip(false) {
        return;
    }
    let mut ring = Ring::new(2).unwrap();
    assert_eq!(ring.sq_entries(), 2);
    // SAFETY (all pushes): NOPs point at no memory.
    unsafe { ring.push(&nop(1)) }.unwrap();
    unsafe { ring.push(&nop(2)) }.unwrap();
    assert_eq!(unsafe { ring.push(&nop(3)) }, Err(Full));
    ring.submit().unwrap();
    unsafe { ring.push(&nop(3)) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    assert_eq!(pop_all(&mut ring), [1, 2, 3]);

    // The driver does the same by itself: ten operations through a ring
    // with room for two.
    let mut driver: Driver =
        Driver::with_ring(Ring::new(2).unwrap(), Submit::Batched);
    let ops: Vec<Token> =
        (0..10).map(|i| driver.nop(Token(i)).unwrap()).collect();
    let mut done = Vec::new();
    while done.len() < ops.len() {
        driver.wait().unwrap();
        while let Some(c) = driver.reap() {
            assert_eq!(c.kind, Kind::Nop);
            done.push(c.op);
        }
    }
    assert_eq!(done, ops, "each completion names its operation");
}

#[test]
fn completions_that_find_the_ring_full_wait_in_the_kernel() {
    if common::skip(false) {
        return;
    }
    let mut ring = Ring::with_cq_size(4, 8).unwrap();
    assert_eq!(ring.cq_entries(), 8);
    // 24 completions for a ring of 8, none taken out meanwhile.
    for round in 0..6u64 {
        for i in 0..4 {
            // SAFETY: NOPs point at no memory.
            unsafe { ring.push(&nop(round * 4 + i)) }.unwrap();
        }
        ring.submit().unwrap();
    }
    assert!(ring.completions_waiting_in_kernel(), "the ring overflowed");
    assert_eq!(ring.dropped_completions(), 0, "FEAT_NODROP: none lost");
    let mut got = pop_all(&mut ring);
    assert_eq!(got.len(), 8, "a full ring's worth");
    while got.len() < 24 {
        // Waiting moves what the kernel kept into the room just made.
        ring.submit_and_wait(1).unwrap();
        got.extend(pop_all(&mut ring));
    }
    assert_eq!(got, (0..24).collect::<Vec<u64>>(), "all, in order");
    assert!(!ring.completions_waiting_in_kernel());
}

#[test]
fn the_probe_knows_what_this_kernel_supports() {
    if common::skip(false) {
        return;
    }
    let ring = Ring::new(2).unwrap();
    assert!(ring.supports(abi::OP_NOP).unwrap());
    assert!(ring.supports(abi::OP_RECV).unwrap());
    assert!(!ring.supports(250).unwrap(), "no opcode 250 (yet)");
}
