//! The exercises' solutions: an interval timer that keeps to its schedule,
//! and a close callback that runs after its caller has returned.

use std::cell::RefCell;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use ch08_callbacks::EventLoop;
use ch08_callbacks::exercises::close::close;
use ch08_callbacks::exercises::interval::set_interval;

const PERIOD: Duration = Duration::from_millis(20);

#[test]
fn an_interval_keeps_to_its_schedule_until_a_tick_cancels_it() {
    let mut lp = EventLoop::new().unwrap();
    let ticks = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&ticks);
    let start = Instant::now();
    set_interval(&mut lp, PERIOD, move |lp, interval| {
        log.borrow_mut().push(Instant::now());
        // Each tick works for half a period. Scheduled from "now", every
        // tick would come that much later than the one before.
        thread::sleep(PERIOD / 2);
        if log.borrow().len() == 8 {
            interval.cancel(lp);
        }
    });
    lp.run().unwrap(); // returns once cancelled: nothing left to wait for
    let ticks = ticks.take();
    assert_eq!(ticks.len(), 8);
    for (k, at) in ticks.iter().enumerate() {
        let due = start + PERIOD * (k as u32 + 1);
        assert!(*at >= due, "tick {k} early");
    }
    // 8 periods after the start, give or take a late wake-up; drifting by
    // half a period per tick would make it 11.5.
    let last = ticks[7] - start;
    assert!(last < PERIOD * 11, "{last:?}");
    assert_eq!(lp.stats().panics, 0);
}

#[test]
fn an_interval_cancelled_from_outside_stops_ticking() {
    let mut lp = EventLoop::new().unwrap();
    let count = Rc::new(RefCell::new(0));
    let c = Rc::clone(&count);
    let interval =
        set_interval(&mut lp, PERIOD, move |_, _| *c.borrow_mut() += 1);
    lp.set_timeout(PERIOD * 3 + PERIOD / 2, move |lp| interval.cancel(lp));
    lp.run().unwrap();
    assert_eq!(*count.borrow(), 3);
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
