//! The `async fn` and its hand-written state machine behave the same, and
//! both are lazy.

mod common;

use std::pin::pin;
use std::process::Command;
use std::task::{Context, Poll, Waker};

use ch09_futures::add_two::{AddTwo, add_two, add_two_by_hand};
use ch09_futures::inbox::Inbox;
use common::{SCRIPTS, run};

#[test]
fn the_async_fn_and_the_state_machine_agree_on_every_script() {
    for &script in SCRIPTS {
        let by_compiler = Inbox::new(script);
        let by_hand = Inbox::new(script);
        let compiled = run(add_two(&by_compiler));
        let written = run(add_two_by_hand(&by_hand));
        assert_eq!(compiled, written, "script {script:?}");
        assert_eq!(by_compiler.attempts(), by_hand.attempts());
    }
}

#[test]
fn adds_two_numbers_or_gives_none() {
    let sum = |script| run(add_two(&Inbox::new(script))).0;
    assert_eq!(sum(&[None, Some(40), None, Some(2)]), Some(42));
    assert_eq!(sum(&[Some(1)]), None, "closed after one number");
    assert_eq!(sum(&[Some(u32::MAX), Some(1)]), None, "overflow");
}

#[test]
fn nothing_runs_before_the_first_poll() {
    let inbox = Inbox::new(&[Some(40), Some(2)]);
    let future = add_two(&inbox);
    {
        let by_hand = add_two_by_hand(&inbox);
        assert!(matches!(by_hand, AddTwo::Start { .. }));
    }
    drop(add_two(&inbox));
    assert_eq!(inbox.attempts(), 0, "creating and dropping runs nothing");
    assert_eq!(run(future), (Some(42), 1));
    assert_eq!(inbox.attempts(), 2);
}

#[test]
fn the_state_machine_moves_through_its_states() {
    let inbox = Inbox::new(&[None, Some(40), None, None, Some(2)]);
    let mut future = pin!(add_two_by_hand(&inbox));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(*future, AddTwo::Start { .. }));
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert!(matches!(*future, AddTwo::First { .. }));
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert!(matches!(*future, AddTwo::Second { a: 40, .. }));
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert!(matches!(*future, AddTwo::Second { a: 40, .. }));
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(Some(42)));
    assert!(matches!(*future, AddTwo::Done));
}

#[test]
fn an_inbox_closing_early_ends_in_done() {
    let inbox = Inbox::new(&[None, Some(40)]);
    let mut future = pin!(add_two_by_hand(&inbox));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(None));
    assert!(matches!(*future, AddTwo::Done));
}

#[test]
#[should_panic(expected = "polled after it returned")]
fn polling_the_state_machine_after_it_returned_panics() {
    let inbox = Inbox::new(&[Some(1), Some(2)]);
    let mut future = pin!(add_two_by_hand(&inbox));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_ready());
    let _ = future.as_mut().poll(&mut cx);
}

/// Runs one of the listing's programs and returns what it printed.
fn output_of(program: &str) -> String {
    let output = Command::new(program).output().expect("run the program");
    assert!(output.status.success(), "{program}: {:?}", output.status);
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn both_versions_print_the_same_lines() {
    let printed = output_of(env!("CARGO_BIN_EXE_state-machine"));
    let (compiled, by_hand) = printed
        .strip_prefix("== the async fn ==\n")
        .and_then(|rest| {
            rest.split_once("== the state machine written by hand ==\n")
        })
        .expect("two sections");
    assert_eq!(compiled, by_hand);
    assert!(compiled.ends_with("  -> Ready(Some(42))\nreturned Some(42)\n"));
    assert_eq!(compiled.matches("poll ").count(), 4);
}

#[test]
fn the_body_starts_at_the_first_poll() {
    let printed = output_of(env!("CARGO_BIN_EXE_lazy"));
    let lines: Vec<&str> = printed.lines().collect();
    let handing = lines
        .iter()
        .position(|line| line.starts_with("main: handing"))
        .expect("main hands the future over");
    let body = lines
        .iter()
        .position(|line| line.contains("add_two: waiting"))
        .expect("the body runs");
    assert!(handing < body, "{printed}");
    assert_eq!(printed.matches("add_two: waiting for the first").count(), 1);
    assert!(printed.contains("attempts to receive: 0"));
}
