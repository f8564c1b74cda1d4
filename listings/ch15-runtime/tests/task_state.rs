//! The task state word, one transition at a time, on one thread. (Two
//! threads at once are loom's job: `tests/loom.rs`.)

use ch15_runtime::task::state::*;

fn refs(state: &State) -> usize {
    state.load().refs()
}

#[test]
fn a_new_task_is_queued_with_three_references() {
    let state = State::new();
    let s = state.load();
    assert!(s.is(SCHEDULED) && s.is(HANDLE) && !s.is(RUNNING));
    assert_eq!(s.refs(), 3);
}

#[test]
fn a_wake_while_queued_does_nothing() {
    let state = State::new();
    assert_eq!(state.wake_by_ref(), Wake::Nothing);
    assert_eq!(refs(&state), 3);
}

#[test]
fn a_wake_while_running_is_remembered_and_requeues_after_the_poll() {
    let state = State::new();
    assert_eq!(state.start_poll(), Start::Poll);
    assert_eq!(state.wake_by_ref(), Wake::Nothing);
    assert_eq!(state.wake_by_ref(), Wake::Nothing, "one requeue, not two");
    assert_eq!(state.end_poll(), End::Notified);
    let s = state.load();
    assert!(s.is(SCHEDULED) && !s.is(RUNNING));
    assert_eq!(s.refs(), 3, "the entry's reference goes back to the queue");
}

#[test]
fn an_idle_task_gives_back_the_entry_and_a_wake_queues_it_again() {
    let state = State::new();
    assert_eq!(state.start_poll(), Start::Poll);
    assert_eq!(state.end_poll(), End::Idle);
    assert_eq!(refs(&state), 2, "the list and the handle");
    assert_eq!(state.wake_by_ref(), Wake::Submit);
    assert_eq!(refs(&state), 3, "a new entry");
    assert_eq!(state.wake_by_ref(), Wake::Nothing, "already queued");
}

#[test]
fn a_wake_by_value_hands_its_reference_to_the_queue_or_gives_it_back() {
    let state = State::new();
    assert_eq!(state.start_poll(), Start::Poll);
    assert_eq!(state.end_poll(), End::Idle);
    state.ref_inc(); // a stored waker
    state.ref_inc(); // and a second one
    assert_eq!(refs(&state), 4);
    assert_eq!(state.wake_by_val(), WakeByVal::Submit);
    assert_eq!(refs(&state), 4, "the first waker's became the entry's");
    assert_eq!(state.wake_by_val(), WakeByVal::Nothing);
    assert_eq!(refs(&state), 3, "the second's was given back");
}

#[test]
fn completing_wakes_nobody_after_and_the_last_reference_is_reported() {
    let state = State::new();
    assert_eq!(state.start_poll(), Start::Poll);
    let before = state.complete();
    assert!(before.is(HANDLE) && !before.is(JOIN_WAKER));
    assert!(state.load().is(COMPLETED));
    assert_eq!(state.wake_by_ref(), Wake::Nothing);
    assert!(!state.ref_dec(1), "the entry");
    assert!(!state.ref_dec(1), "the list");
    let before = state.drop_handle();
    assert!(before.is(COMPLETED), "the handle must drop the output");
    assert!(state.ref_dec(1), "the handle's was the last");
}

#[test]
fn abort_queues_an_idle_task_and_marks_a_running_one() {
    let idle = State::new();
    assert_eq!(idle.start_poll(), Start::Poll);
    assert_eq!(idle.end_poll(), End::Idle);
    assert_eq!(idle.abort(), Wake::Submit);
    assert_eq!(idle.start_poll(), Start::Cancel);

    let running = State::new();
    assert_eq!(running.start_poll(), Start::Poll);
    assert_eq!(running.abort(), Wake::Nothing);
    assert_eq!(running.end_poll(), End::Cancel);
    assert!(running.load().is(RUNNING), "the executor keeps the stage");
}

#[test]
fn the_join_waker_belongs_to_the_handle_until_it_hands_it_over() {
    let state = State::new();
    assert_eq!(state.set_join_waker(), Ok(()));
    assert_eq!(state.unset_join_waker(), Ok(()));
    assert_eq!(state.set_join_waker(), Ok(()));
    assert_eq!(state.start_poll(), Start::Poll);
    let before = state.complete();
    assert!(before.is(JOIN_WAKER), "the executor wakes it");
    assert!(
        state.unset_join_waker().is_err(),
        "too late to take it back"
    );
}

#[test]
fn a_shutdown_takes_the_future_of_a_queued_task() {
    let state = State::new();
    assert!(state.shut_down());
    let before = state.complete();
    assert!(before.is(SCHEDULED) && before.is(CLOSED));
    assert!(!state.load().is(SCHEDULED));
    assert_eq!(state.start_poll(), Start::Skip, "its queue entry is stale");
}

#[test]
fn a_handle_that_took_the_output_goes_in_one_step() {
    let state = State::new();
    assert_eq!(state.start_poll(), Start::Poll);
    state.complete();
    assert!(!state.ref_dec(2), "the entry and the list, together");
    assert!(
        state.drop_handle_after_output(),
        "the handle's was the last"
    );
    assert!(!state.load().is(HANDLE));
}
