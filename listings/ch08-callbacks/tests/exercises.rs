//! The exercises' solutions: an interval timer that keeps to its schedule,
//! and a close callback that runs after its caller has returned.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use ch08_callbacks::EventLoop;
use ch08_callbacks::exercises::close::close;
use ch08_callbacks::exercises::interval::{next_due, set_interval};

const PERIOD: Duration = Duration::from_millis(20);

#[test]
fn the_next_tick_keeps_to_the_schedule_and_skips_what_was_missed() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    // On time, or a little late: one period after the last deadline, not
    // after now.
    assert_eq!(next_due(t0, t0, ms(20)), t0 + ms(20));
    assert_eq!(next_due(t0, t0 + ms(7), ms(20)), t0 + ms(20));
    // More than a period late: the missed ticks are skipped.
    assert_eq!(next_due(t0, t0 + ms(45), ms(20)), t0 + ms(60));
    assert_eq!(next_due(t0, t0 + ms(40), ms(20)), t0 + ms(60));
}

#[test]
fn an_interval_ticks_never_early_until_a_tick_cancels_it() {
    let mut lp = EventLoop::new().unwrap();
    let ticks = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&ticks);
    let start = Instant::now();
    set_interval(&mut lp, PERIOD, move |lp, interval| {
        log.borrow_mut().push(Instant::now());
        thread::sleep(PERIOD / 2); // each tick works for a while
        if log.borrow().len() == 5 {
            interval.cancel(lp);
        }
    });
    lp.run().unwrap(); // returns once cancelled: nothing left to wait for
    let ticks = ticks.take();
    assert_eq!(ticks.len(), 5);
    for (k, at) in ticks.iter().enumerate() {
        // Skipped ticks only make later ones later.
        let due = start + PERIOD * (k as u32 + 1);
        assert!(*at >= due, "tick {k} early");
    }
    assert_eq!(lp.stats().panics, 0);
}

#[test]
fn an_interval_cancelled_from_outside_stops_ticking() {
    let mut lp = EventLoop::new().unwrap();
    let count = Rc::new(Cell::new(0));
    let c = Rc::clone(&count);
    let interval =
        set_interval(&mut lp, PERIOD, move |_, _| c.set(c.get() + 1));
    let (c, at_cancel) = (Rc::clone(&count), Rc::new(Cell::new(None)));
    let seen = Rc::clone(&at_cancel);
    lp.set_timeout(PERIOD * 3 + PERIOD / 2, move |lp| {
        interval.cancel(lp);
        seen.set(Some(c.get()));
    });
    lp.run().unwrap(); // returns: the interval's next timer is gone
    let at_cancel = at_cancel.get().expect("the cancelling timer ran");
    assert!(at_cancel >= 1, "it ticked before it was cancelled");
    assert_eq!(count.get(), at_cancel, "no tick after the cancel");
}

#[test]
fn a_close_callback_runs_after_its_caller_and_only_once() {
    let mut lp = EventLoop::new().unwrap();
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    ours.set_nonblocking(true).unwrap();
    theirs.write_all(b"x").unwrap();
    let ours = Rc::new(ours);
    let id = lp.add(Rc::clone(&ours));
    let log = Rc::new(RefCell::new(Vec::new()));
    let state = Rc::clone(&log);
    lp.on_readable(id, move |lp| {
        // The caller holds its state borrowed while it closes; `on_close`
        // borrows the same state. Called at once, it would panic.
        let mut log = state.borrow_mut();
        log.push("closing");
        let later = Rc::clone(&state);
        assert!(close(lp, id, move |_| later.borrow_mut().push("closed")));
        assert!(!close(lp, id, |_| unreachable!()), "closed already");
        log.push("close returned");
    });
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["closing", "close returned", "closed"]);
    assert_eq!(lp.stats().panics, 0);
    assert_eq!(Rc::strong_count(&ours), 1, "the loop let go of it");
}
