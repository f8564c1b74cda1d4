//! A peer that sends and never reads cannot make the server hold more than
//! `MAX_PENDING` bytes for it, and does not stop it serving others.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use ch06_epoll::client::{PATIENCE, connect, round_trip};
use ch06_epoll::conn::MAX_PENDING;
use ch06_epoll::event_loop;
use ch06_epoll::launch::bind;

/// The byte at `offset` of the hog's stream: a pattern that catches lost,
/// repeated or reordered bytes.
fn pattern(offset: usize) -> u8 {
    (offset % 251) as u8
}

/// Writes without reading until the socket has refused everything for
/// `quiet`: the server has stopped reading. Returns the bytes written.
fn write_until_stuck(stream: &mut TcpStream, quiet: Duration) -> usize {
    stream.set_nonblocking(true).unwrap();
    let mut written = 0;
    let mut stuck_since = None;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(
            Instant::now() < deadline,
            "the server never stopped reading"
        );
        let chunk: Vec<u8> =
            (written..written + 64 * 1024).map(pattern).collect();
        match stream.write(&chunk) {
            Ok(n) => {
                written += n;
                stuck_since = None;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let since = *stuck_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= quiet {
                    return written;
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("write: {e}"),
        }
    }
}

#[test]
fn a_peer_that_never_reads_is_held_at_the_limit_and_others_are_served() {
    let server = event_loop::spawn(bind("127.0.0.1:0").unwrap()).unwrap();
    let mut bystander = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut bystander, b"before").unwrap();

    let mut hog = connect(server.addr(), PATIENCE).unwrap();
    let written = write_until_stuck(&mut hog, Duration::from_millis(200));
    let stats = server.handle().stats();
    // The kernel's socket buffers hold most of it; the server holds at
    // most one connection's limit, however much the hog sends.
    assert!(written > 4 * MAX_PENDING, "only {written} bytes went out");
    assert!(stats.buffered <= MAX_PENDING, "{stats:?}");
    assert!(stats.most_pending <= MAX_PENDING, "{stats:?}");
    assert!(stats.buffered > 0, "the server holds some: {stats:?}");

    // The stuck connection does not hold up anyone else.
    round_trip(&mut bystander, b"during").unwrap();
    let mut newcomer = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut newcomer, b"newcomer").unwrap();

    // Once the hog reads, every byte comes back, in order.
    hog.set_nonblocking(false).unwrap();
    hog.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut echoed = vec![0; written];
    hog.read_exact(&mut echoed).unwrap();
    assert!(
        echoed.iter().enumerate().all(|(i, &b)| b == pattern(i)),
        "the echo differs from what was sent"
    );
    let drained = Instant::now() + PATIENCE;
    while server.handle().stats().buffered != 0 {
        assert!(Instant::now() < drained, "the server still holds bytes");
        thread::sleep(Duration::from_millis(1));
    }
}
