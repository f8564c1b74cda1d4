//! The exercises' solutions do what the chapter asks.

use ch04_green_threads::exercises::channel::channel;
use ch04_green_threads::exercises::priorities::Priorities;
use ch04_green_threads::{Builder, run, run_with, spawn, yield_now};
use std::cell::RefCell;
use std::rc::Rc;

#[test]
fn higher_priorities_run_first_and_equal_ones_take_turns() {
    let events = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&events);
    // `main` runs at the lowest priority, so everything it spawns runs as
    // soon as `main` yields in `join`.
    run_with(Priorities::default(), move || {
        let handles: Vec<_> = [("low", 1), ("high-a", 5), ("high-b", 5)]
            .into_iter()
            .map(|(name, priority)| {
                let events = Rc::clone(&seen);
                Builder::new()
                    .priority(priority)
                    .spawn(move || {
                        for step in 1..=2 {
                            events.borrow_mut().push(format!("{name}{step}"));
                            yield_now();
                        }
                    })
                    .unwrap()
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
    let expected = ["high-a1", "high-b1", "high-a2", "high-b2", "low1", "low2"];
    assert_eq!(*events.borrow(), expected);
}

#[test]
fn channel_delivers_in_order_then_reports_the_end() {
    let received = run(|| {
        let (sender, receiver) = channel();
        let producers: Vec<_> = (0..2)
            .map(|producer| {
                let sender = sender.clone();
                spawn(move || {
                    for n in 0..3 {
                        sender.send((producer, n));
                        yield_now();
                    }
                })
            })
            .collect();
        drop(sender);
        let mut received = Vec::new();
        while let Some(message) = receiver.recv() {
            received.push(message);
        }
        for producer in producers {
            producer.join().unwrap();
        }
        received
    });
    assert_eq!(received, [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)]);
}
