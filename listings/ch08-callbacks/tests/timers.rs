//! Timers and immediates on the loop: deadline order, never early,
//! cancellation, and which round a callback set by a callback runs in.

use std::cell::RefCell;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ch08_callbacks::EventLoop;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn timers_fire_in_deadline_order_and_never_early() {
    let mut lp = EventLoop::new().unwrap();
    let fired = Rc::new(RefCell::new(Vec::new()));
    // Set out of order, with ties; fractions of a millisecond included.
    let delays_us =
        [7_300, 3_000, 9_100, 3_000, 1_500, 12_000, 0, 7_300, 2_200];
    for (i, &us) in delays_us.iter().enumerate() {
        let fired = Rc::clone(&fired);
        let set_at = Instant::now();
        let delay = Duration::from_micros(us);
        lp.set_timeout(delay, move |_| {
            fired.borrow_mut().push((i, set_at + delay, Instant::now()));
        });
    }
    lp.run().unwrap();
    let fired = fired.take();
    let order: Vec<usize> = fired.iter().map(|&(i, _, _)| i).collect();
    let mut expected: Vec<usize> = (0..delays_us.len()).collect();
    expected.sort_by_key(|&i| delays_us[i]); // stable: ties keep their order
    assert_eq!(order, expected);
    for (i, due, at) in fired {
        assert!(at >= due, "timer {i} fired {:?} early", due - at);
    }
}

#[test]
fn a_cancelled_timer_never_fires_and_never_wakes_the_loop() {
    let mut lp = EventLoop::new().unwrap();
    let fired = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&fired);
    let early = lp.set_timeout(ms(5), move |_| log.borrow_mut().push("early"));
    let log = Rc::clone(&fired);
    let late = lp.set_timeout(ms(30), move |_| log.borrow_mut().push("late"));
    assert!(lp.clear_timeout(early));
    assert!(!lp.clear_timeout(early), "cancelling twice does nothing");
    lp.run().unwrap();
    assert_eq!(*fired.borrow(), ["late"]);
    assert!(!lp.clear_timeout(late), "a fired timer cannot be cancelled");
    // Round 1 waits until the live timer's deadline (not the cancelled
    // one's), round 2 fires it. A wake-up at 5 ms would make three.
    assert_eq!(lp.stats().rounds, 2);
}

#[test]
fn a_timer_set_by_a_timer_waits_for_the_next_round() {
    let mut lp = EventLoop::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    fn tick(lp: &mut EventLoop, i: usize, log: Rc<RefCell<Vec<String>>>) {
        if i == 3 {
            return;
        }
        lp.set_timeout(Duration::ZERO, move |lp| {
            log.borrow_mut().push(format!("timer {i}"));
            let for_immediate = Rc::clone(&log);
            lp.set_immediate(move |_| {
                for_immediate.borrow_mut().push(format!("immediate {i}"));
            });
            tick(lp, i + 1, log);
        });
    }
    tick(&mut lp, 0, Rc::clone(&log));
    lp.run().unwrap();
    // Each zero-delay timer runs in a round of its own, and the immediate
    // its predecessor queued runs in between: the loop goes round.
    let expected = [
        "timer 0",
        "immediate 0",
        "timer 1",
        "immediate 1",
        "timer 2",
        "immediate 2",
    ];
    assert_eq!(*log.borrow(), expected);
}

#[test]
fn the_phases_program_prints_what_the_quiz_says() {
    let output = Command::new(env!("CARGO_BIN_EXE_phases"))
        .output()
        .expect("run phases");
    assert!(output.status.success());
    let expected = "main\ntimeout 0\nimmediate\nimmediate from timeout\n\
                    timeout from timeout\nimmediate from immediate\ntimeout 250 ms\n";
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}
