//! Sources and their callbacks: a callback replaces or stops itself,
//! removing a source drops what its callbacks hold, an event for a source
//! removed earlier in the same round reaches nobody, and the loop ends when
//! nothing is left to wait for.

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use ch08_callbacks::EventLoop;

/// A connected pair; the first end non-blocking, for the loop.
fn pair() -> (Rc<UnixStream>, UnixStream) {
    let (ours, theirs) = UnixStream::pair().unwrap();
    ours.set_nonblocking(true).unwrap();
    (Rc::new(ours), theirs)
}

#[test]
fn a_callback_can_replace_and_then_stop_itself() {
    let mut lp = EventLoop::new().unwrap();
    let (ours, mut theirs) = pair();
    theirs.write_all(b"abc").unwrap();
    let id = lp.add(Rc::clone(&ours));
    let log = Rc::new(RefCell::new(Vec::new()));
    let (first_log, stream) = (Rc::clone(&log), Rc::clone(&ours));
    lp.on_readable(id, move |lp| {
        let mut byte = [0];
        (&*stream).read_exact(&mut byte).unwrap();
        first_log
            .borrow_mut()
            .push(format!("first {}", byte[0] as char));
        let (log, stream) = (Rc::clone(&first_log), Rc::clone(&stream));
        lp.on_readable(id, move |lp| {
            let mut byte = [0];
            (&*stream).read_exact(&mut byte).unwrap();
            log.borrow_mut().push(format!("second {}", byte[0] as char));
            if byte[0] == b'c' {
                lp.stop_readable(id); // nothing left to wait for: run returns
            }
        });
    });
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["first a", "second b", "second c"]);
    assert_eq!(lp.stats().panics, 0);
}

#[test]
fn removing_a_source_drops_what_its_callbacks_captured() {
    let mut lp = EventLoop::new().unwrap();
    let (ours, _theirs) = pair();
    let state = Rc::new(());
    let id = lp.add(Rc::clone(&ours));
    let held = Rc::clone(&state);
    lp.on_writable(id, move |_| {
        let _ = &held;
    });
    assert_eq!(Rc::strong_count(&state), 2);
    assert_eq!(Rc::strong_count(&ours), 2, "the loop holds the descriptor");
    assert!(lp.remove(id));
    assert!(!lp.remove(id), "its id is stale now");
    assert_eq!(Rc::strong_count(&state), 1);
    assert_eq!(Rc::strong_count(&ours), 1);
    lp.on_readable(id, |_| unreachable!("a stale id registers nothing"));
    lp.run().unwrap(); // returns at once: nothing is registered
}

#[test]
fn an_event_for_a_source_removed_earlier_in_the_round_reaches_nobody() {
    let mut lp = EventLoop::new().unwrap();
    let (a, mut peer_a) = pair();
    let (b, mut peer_b) = pair();
    peer_a.write_all(b"x").unwrap();
    peer_b.write_all(b"x").unwrap();
    let id_a = lp.add(Rc::clone(&a));
    let id_b = lp.add(Rc::clone(&b));
    let ran = Rc::new(Cell::new(0));
    // Both are readable in the same round, and whichever runs first removes
    // both: the other's event is stale.
    for id in [id_a, id_b] {
        let ran = Rc::clone(&ran);
        lp.on_readable(id, move |lp| {
            ran.set(ran.get() + 1);
            lp.remove(id_a);
            lp.remove(id_b);
        });
    }
    lp.run().unwrap();
    assert_eq!(ran.get(), 1);
    assert_eq!(lp.stats().stale, 1);
    assert_eq!(lp.stats().rounds, 1);
}

#[test]
fn a_source_without_callbacks_does_not_keep_the_loop_alive() {
    let mut lp = EventLoop::new().unwrap();
    let (ours, _theirs) = pair();
    lp.add(ours);
    let started = Instant::now();
    lp.run().unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn another_thread_can_stop_a_waiting_loop() {
    let mut lp = EventLoop::new().unwrap();
    let (ours, _theirs) = pair();
    let id = lp.add(ours);
    lp.on_readable(id, |_| {}); // nothing ever comes
    let handle = lp.handle();
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        handle.stop();
    });
    let started = Instant::now();
    lp.run().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(50));
    stopper.join().unwrap();
}

#[test]
fn hangups_reach_the_readable_callback() {
    let mut lp = EventLoop::new().unwrap();
    let (ours, theirs) = pair();
    let id = lp.add(Rc::clone(&ours));
    let got = Rc::new(Cell::new(None));
    let seen = Rc::clone(&got);
    lp.on_readable(id, move |lp| {
        seen.set(Some((&*ours).read(&mut [0; 8]).unwrap()));
        lp.remove(id);
    });
    drop(theirs);
    lp.run().unwrap();
    assert_eq!(got.get(), Some(0), "end of stream");
}
