//! The exercises' solutions: an idle timeout in the loop, and one-shot
//! registrations shared by several worker threads.

use std::io::Read;
use std::thread;
use std::time::{Duration, Instant};

use ch06_epoll::client::{PATIENCE, connect, round_trip};
use ch06_epoll::exercises::idle_timeout::IdleLoop;
use ch06_epoll::exercises::oneshot::OneshotServer;
use ch06_epoll::harness::limits::raise_fd_limit;
use ch06_epoll::harness::load::{self, LoadConfig};
use ch06_epoll::launch::bind;

#[test]
fn idle_connections_are_closed_and_busy_ones_are_not() {
    let idle = Duration::from_millis(200);
    let listener = bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut server = IdleLoop::new(listener, idle).unwrap();
    let stopper = server.stopper();
    let running = thread::spawn(move || server.run());

    let started = Instant::now();
    let mut quiet = connect(addr, PATIENCE).unwrap();
    round_trip(&mut quiet, b"hi").unwrap();
    let mut busy = connect(addr, PATIENCE).unwrap();
    // Busy: a message every 50 ms for 600 ms, three idle periods.
    while started.elapsed() < Duration::from_millis(600) {
        round_trip(&mut busy, b"still here").unwrap();
        thread::sleep(Duration::from_millis(50));
    }
    // The quiet one was closed after about 200 ms: end of stream.
    assert_eq!(quiet.read(&mut [0; 8]).unwrap(), 0);
    round_trip(&mut busy, b"and now").unwrap();

    // Closed no earlier than its timeout.
    let mut late = connect(addr, PATIENCE).unwrap();
    let opened = Instant::now();
    assert_eq!(late.read(&mut [0; 8]).unwrap(), 0);
    let lived = opened.elapsed();
    assert!(lived >= idle - Duration::from_millis(5), "{lived:?}");
    assert!(lived < Duration::from_secs(2), "{lived:?}");

    stopper.stop().unwrap();
    running.join().unwrap().unwrap();
}

#[test]
fn one_shot_registrations_let_workers_share_one_epoll_instance() {
    raise_fd_limit().unwrap();
    let server = OneshotServer::spawn(bind("127.0.0.1:0").unwrap(), 4).unwrap();
    let summary = load::run(&LoadConfig {
        connections: 1000,
        messages: 10,
        message_size: 512,
        threads: 50,
        timeout: Duration::from_secs(20),
        ..LoadConfig::new(server.addr())
    });
    assert_eq!(summary.first_error, None);
    assert_eq!(summary.messages_echoed, 10_000);
    assert_eq!(server.collisions(), 0, "two workers had one connection");
}
