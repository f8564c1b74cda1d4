//! The parker: an unpark before the park is kept, an unpark from another
//! thread ends the park, and nothing else does.

use std::thread;
use std::time::{Duration, Instant};

use ch11_executor::parker::Parker;

const SHORT: Duration = Duration::from_millis(30);

#[test]
fn an_unpark_before_the_park_makes_it_return_at_once() {
    let parker = Parker::new();
    parker.unparker().unpark();
    let start = Instant::now();
    parker.park();
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn an_unpark_from_another_thread_ends_the_park() {
    let parker = Parker::new();
    let unparker = parker.unparker();
    let waker = thread::spawn(move || {
        thread::sleep(SHORT);
        unparker.unpark();
    });
    assert!(parker.park_timeout(Duration::from_secs(10)));
    waker.join().expect("the waking thread panicked");
}

// ANCHOR: stray
#[test]
fn a_stray_wakeup_of_the_thread_does_not_end_the_park() {
    let parker = Parker::new();
    let unparker = parker.unparker();
    // Someone else unparks this thread through std: its token is set, so
    // the first `thread::park` inside `park` returns at once, just like a
    // spurious wakeup. The parker must go back to sleep...
    thread::current().unpark();
    let start = Instant::now();
    let waker = thread::spawn(move || {
        thread::sleep(SHORT);
        unparker.unpark(); // ...until its own unpark comes.
    });
    parker.park();
    assert!(start.elapsed() >= SHORT, "park returned before the unpark");
    waker.join().expect("the waking thread panicked");
}

#[test]
fn park_timeout_also_ignores_a_stray_wakeup() {
    let parker = Parker::new();
    thread::current().unpark();
    let start = Instant::now();
    assert!(!parker.park_timeout(SHORT), "nobody unparked the parker");
    assert!(start.elapsed() >= SHORT);
}
// ANCHOR_END: stray

#[test]
fn two_unparks_before_a_park_are_consumed_by_one_park() {
    let parker = Parker::new();
    let unparker = parker.unparker();
    unparker.unpark();
    unparker.unpark();
    assert!(parker.park_timeout(SHORT));
    assert!(!parker.park_timeout(SHORT), "the flag was consumed");
}
