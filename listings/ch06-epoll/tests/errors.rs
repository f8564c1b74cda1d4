//! Peers that vanish at any point end their own connection, never the loop.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::thread;
use std::time::{Duration, Instant};

use ch06_epoll::client::{PATIENCE, connect, round_trip};
use ch06_epoll::event_loop::{self, Handle, Stats};
use ch06_epoll::launch::bind;

/// Closes `stream` with SO_LINGER 0: the kernel sends a reset (RST)
/// instead of an orderly end (FIN).
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor is open (owned by `stream`), and `linger` is
    // a valid `struct linger` whose size is passed along with it.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt: {}", io::Error::last_os_error());
    drop(stream);
}

/// Sends without reading until the server holds its limit for us and the
/// socket refuses more: the server is in the middle of writing to us.
fn fill_both_directions(stream: &mut TcpStream, handle: &Handle) {
    stream.set_nonblocking(true).unwrap();
    let chunk = vec![7u8; 64 * 1024];
    let deadline = Instant::now() + PATIENCE;
    loop {
        let refused = stream.write(&chunk).is_err();
        if refused && handle.stats().buffered > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the buffers never filled");
        if refused {
            thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Waits until the loop's counters satisfy `done`.
fn wait_for(handle: &Handle, done: impl Fn(&Stats) -> bool) -> Stats {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let stats = handle.stats();
        if done(&stats) {
            return stats;
        }
        assert!(Instant::now() < deadline, "still {stats:?}");
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn peers_that_vanish_end_only_their_own_connection() {
    let server = event_loop::spawn(bind("127.0.0.1:0").unwrap()).unwrap();
    let handle = server.handle();
    let mut survivor = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut survivor, b"before").unwrap();

    // Gone before saying anything.
    drop(connect(server.addr(), PATIENCE).unwrap());
    // Reset while the server waits to read.
    let mut idle = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut idle, b"hello").unwrap();
    reset(idle);
    // Reset in the middle of the server's write: it holds bytes for this
    // peer and waits for its socket to become writable.
    let mut flooding = connect(server.addr(), PATIENCE).unwrap();
    fill_both_directions(&mut flooding, handle);
    reset(flooding);
    // Closed (not reset) with the echo unread: the peer's kernel answers
    // the server's next write with a reset.
    let mut hasty = connect(server.addr(), PATIENCE).unwrap();
    hasty.write_all(&[1u8; 200_000]).unwrap();
    drop(hasty);

    let stats = wait_for(handle, |s| s.open == 1 && s.buffered == 0);
    assert_eq!(stats.open, 1, "only the survivor is left");
    round_trip(&mut survivor, b"after").unwrap();
    let mut newcomer = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut newcomer, b"still here").unwrap();
    server.stop().expect("the loop was never in trouble");
}

#[test]
fn a_half_closed_peer_gets_everything_before_the_server_closes() {
    let server = event_loop::spawn(bind("127.0.0.1:0").unwrap()).unwrap();
    let mut client = connect(server.addr(), PATIENCE).unwrap();
    // More than the server holds and the kernel buffers take, so the
    // server is still writing when the peer's end of stream arrives.
    let message: Vec<u8> = (0..8_000_000).map(|i| (i % 253) as u8).collect();
    let mut reader = client.try_clone().unwrap();
    let echo = thread::spawn(move || {
        let mut echoed = Vec::new();
        reader.read_to_end(&mut echoed).map(|_| echoed)
    });
    client.write_all(&message).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let echoed = echo.join().unwrap().expect("read until the server closes");
    assert!(echoed == message, "the echo differs from the message");
    wait_for(server.handle(), |s| s.open == 0);
}
