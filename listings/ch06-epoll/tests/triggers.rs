//! The level- and edge-triggered experiments behave as the chapter says.

use std::time::Duration;

use ch06_epoll::poll::{Interest, Mode};
use ch06_epoll::triggers::{Reader, Reading, read_loop, wait_for_message};

#[test]
fn edge_triggered_reader_that_stops_early_misses_the_rest() {
    let level = read_loop(Mode::Level, Reader::OneReadPerWakeup).unwrap();
    assert_eq!(
        level,
        Reading {
            wakeups: 4,
            read: 200,
            unread: 0
        }
    );
    let edge = read_loop(Mode::Edge, Reader::OneReadPerWakeup).unwrap();
    assert_eq!(
        edge,
        Reading {
            wakeups: 1,
            read: 64,
            unread: 136
        }
    );
    let drained = read_loop(Mode::Edge, Reader::UntilEagain).unwrap();
    assert_eq!(
        drained,
        Reading {
            wakeups: 1,
            read: 200,
            unread: 0
        }
    );
}

#[test]
fn level_triggered_writable_interest_spins_edge_triggered_does_not() {
    let delay = Duration::from_millis(50);
    let spinning = wait_for_message(Interest::BOTH, Mode::Level, delay);
    assert!(spinning.unwrap().wakeups > 10);
    let quiet = wait_for_message(Interest::READABLE, Mode::Level, delay);
    assert_eq!(quiet.unwrap().wakeups, 1);
    let edge = wait_for_message(Interest::BOTH, Mode::Edge, delay);
    assert_eq!(edge.unwrap().wakeups, 2, "writable once, then the message");
}
