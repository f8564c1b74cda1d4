//! The poller's interface: interest and modes, `notify` from another
//! thread, and a burst of notifications that costs one write.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ch06_epoll::harness::procfs;
use ch06_epoll::poll::{Events, Interest, Mode, Poller, Token};

const SHORT: Option<Duration> = Some(Duration::from_millis(50));

fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

fn tokens(poller: &Poller, events: &mut Events) -> Vec<Token> {
    poller.wait(events, SHORT).unwrap();
    events.iter().map(|event| event.token).collect()
}

#[test]
fn interest_modes_and_delete() {
    let poller = Poller::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, mut b) = pair();
    let t = Token(7);
    poller
        .add(a.as_fd(), t, Interest::READABLE, Mode::Level)
        .unwrap();
    assert_eq!(tokens(&poller, &mut events), []);

    b.write_all(b"x").unwrap();
    assert_eq!(tokens(&poller, &mut events), [t]);
    assert_eq!(tokens(&poller, &mut events), [t], "level: again and again");

    poller
        .modify(a.as_fd(), t, Interest::READABLE, Mode::Edge)
        .unwrap();
    assert_eq!(tokens(&poller, &mut events), [t], "modify looks once");
    assert_eq!(tokens(&poller, &mut events), [], "edge: once per change");
    b.write_all(b"y").unwrap();
    assert_eq!(tokens(&poller, &mut events), [t], "new data, new edge");

    poller
        .modify(a.as_fd(), t, Interest::READABLE, Mode::Oneshot)
        .unwrap();
    assert_eq!(tokens(&poller, &mut events), [t]);
    b.write_all(b"z").unwrap();
    assert_eq!(tokens(&poller, &mut events), [], "oneshot: disarmed");
    poller
        .modify(a.as_fd(), t, Interest::READABLE, Mode::Oneshot)
        .unwrap();
    assert_eq!(tokens(&poller, &mut events), [t], "re-armed");

    let mut buf = [0; 8];
    assert_eq!(a.read(&mut buf).unwrap(), 3);
    poller
        .modify(a.as_fd(), t, Interest::WRITABLE, Mode::Level)
        .unwrap();
    poller.wait(&mut events, SHORT).unwrap();
    let event = events.iter().next().expect("writable");
    assert!(event.writable && !event.readable && !event.hangup);

    poller.delete(a.as_fd()).unwrap();
    assert_eq!(tokens(&poller, &mut events), []);
}

#[test]
fn hangups_and_the_peers_end_of_stream_are_reported() {
    let poller = Poller::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (a, b) = pair();
    poller
        .add(a.as_fd(), Token(1), Interest::NONE, Mode::Level)
        .unwrap();
    b.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(tokens(&poller, &mut events), [], "no interest, no RDHUP");
    poller
        .modify(a.as_fd(), Token(1), Interest::READABLE, Mode::Level)
        .unwrap();
    poller.wait(&mut events, SHORT).unwrap();
    let event = events.iter().next().expect("an event");
    assert!(event.readable && event.read_closed && !event.hangup);
    // Hang-ups come even to a registration that asks for nothing.
    poller
        .modify(a.as_fd(), Token(1), Interest::NONE, Mode::Level)
        .unwrap();
    drop(b);
    poller.wait(&mut events, SHORT).unwrap();
    let event = events.iter().next().expect("a hang-up");
    assert!(event.hangup && event.readable && event.writable);
}

#[test]
fn notify_wakes_a_wait_on_another_thread() {
    let poller = Arc::new(Poller::new().unwrap());
    let waiter = {
        let poller = Arc::clone(&poller);
        thread::spawn(move || {
            let mut events = Events::with_capacity(8);
            let started = Instant::now();
            let n = poller.wait(&mut events, None).unwrap();
            (n, events.notified(), started.elapsed())
        })
    };
    thread::sleep(Duration::from_millis(100));
    poller.notify().unwrap();
    let (n, notified, waited) = waiter.join().unwrap();
    assert_eq!(n, 0, "a notification is no event");
    assert!(notified);
    assert!(waited >= Duration::from_millis(90), "{waited:?}");
}

#[test]
fn a_notify_before_the_wait_is_not_lost() {
    let poller = Poller::new().unwrap();
    let mut events = Events::with_capacity(8);
    poller.notify().unwrap();
    let started = Instant::now();
    poller
        .wait(&mut events, Some(Duration::from_secs(5)))
        .unwrap();
    assert!(events.notified());
    assert!(started.elapsed() < Duration::from_secs(1));
    // Consumed: the next wait times out.
    poller.wait(&mut events, SHORT).unwrap();
    assert!(!events.notified());
}

/// `write` system calls made by this thread so far.
fn writes_by_this_thread() -> u64 {
    let io = std::fs::read_to_string("/proc/thread-self/io").unwrap();
    procfs::field(&io, "syscw").unwrap()
}

#[test]
fn a_burst_of_notifications_costs_one_write() {
    let poller = Poller::new().unwrap();
    let mut events = Events::with_capacity(8);
    let before = writes_by_this_thread();
    for _ in 0..1000 {
        poller.notify().unwrap();
    }
    assert_eq!(writes_by_this_thread() - before, 1);
    poller.wait(&mut events, SHORT).unwrap();
    assert!(events.notified());
    // Consumed: the next notification writes again.
    poller.notify().unwrap();
    assert_eq!(writes_by_this_thread() - before, 2);
}
