//! Peers that vanish, reset or stop reading end their own connection,
//! never the loop; short sends are finished; nothing stays lent.

mod common;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std::thread;
use std::time::{Duration, Instant};

use ch07_io_uring::client::{PATIENCE, connect, round_trip};
use ch07_io_uring::launch::bind;
use ch07_io_uring::uring_loop::{self, BUF_SIZE, Config, Handle, Stats};

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

/// Sends without reading until the socket has refused more for a while:
/// by then the server has stopped reading from us, because its send to us
/// cannot finish. The kernel holds that send, and its buffer.
fn fill_both_directions(stream: &mut TcpStream) {
    stream.set_nonblocking(true).unwrap();
    let chunk = vec![7u8; 64 * 1024];
    let deadline = Instant::now() + PATIENCE;
    let mut refused_since: Option<Instant> = None;
    loop {
        match stream.write(&chunk) {
            Ok(_) => refused_since = None,
            Err(_) => {
                let since = *refused_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_millis(100) {
                    return;
                }
                thread::sleep(Duration::from_millis(1));
            }
        }
        assert!(Instant::now() < deadline, "the buffers never filled");
    }
}

/// Connects with a maximum segment size of 536 bytes (IPv4's minimum), so
/// that the server's 16 KiB sends are split into many segments, and the
/// kernel may stop copying one half-way when the socket's buffer fills.
fn connect_small_segments(addr: SocketAddr) -> TcpStream {
    let SocketAddr::V4(v4) = addr else {
        panic!("an IPv4 address")
    };
    // SAFETY: no pointers; the result is checked.
    let fd = unsafe {
        libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0)
    };
    assert!(fd >= 0, "socket: {}", io::Error::last_os_error());
    // SAFETY: a new descriptor that nothing else owns.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    let mss: libc::c_int = 536;
    // SAFETY: `mss` is a live c_int, and its size is passed with it.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_MAXSEG,
            (&raw const mss).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "TCP_MAXSEG: {}", io::Error::last_os_error());
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: v4.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(*v4.ip()).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: `sin` is a valid sockaddr_in, and its size is passed with it.
    let rc = unsafe {
        libc::connect(
            fd,
            (&raw const sin).cast(),
            size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "connect: {}", io::Error::last_os_error());
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    stream
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
    if common::skip(true) {
        return;
    }
    let listener = bind("127.0.0.1:0").unwrap();
    let server = uring_loop::spawn(listener, Config::default()).unwrap();
    let handle = server.handle();
    let mut survivor = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut survivor, b"before").unwrap();

    // Gone before saying anything: its recv completes with 0.
    drop(connect(server.addr(), PATIENCE).unwrap());
    // Reset while a recv waits: it completes with -ECONNRESET.
    let mut idle = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut idle, b"hello").unwrap();
    reset(idle);
    // Reset while the server's send to it waits for room.
    let mut flooding = connect(server.addr(), PATIENCE).unwrap();
    fill_both_directions(&mut flooding);
    reset(flooding);
    // Closed (not reset) with the echo unread: the peer's kernel answers
    // the server's next send with a reset.
    let mut hasty = connect(server.addr(), PATIENCE).unwrap();
    hasty.write_all(&[1u8; 200_000]).unwrap();
    drop(hasty);

    let stats = wait_for(handle, |s| s.open == 1 && s.lent == BUF_SIZE);
    assert_eq!(stats.lost, 0);
    round_trip(&mut survivor, b"after").unwrap();
    let mut newcomer = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut newcomer, b"still here").unwrap();
    server.stop().expect("the loop was never in trouble");
}

#[test]
fn a_peer_that_reads_late_gets_every_byte_after_short_sends() {
    if common::skip(true) {
        return;
    }
    let listener = bind("127.0.0.1:0").unwrap();
    let server = uring_loop::spawn(listener, Config::default()).unwrap();
    let mut client = connect_small_segments(server.addr());
    let message: Vec<u8> = (0..4_000_000).map(|i| (i % 251) as u8).collect();
    let mut writer = client.try_clone().unwrap();
    let sent = message.clone();
    // Writes everything before anyone reads: the server's sends fill its
    // socket, and some of them move only part of their bytes.
    let send = thread::spawn(move || writer.write_all(&sent));
    thread::sleep(Duration::from_millis(300));
    let mut echoed = vec![0; message.len()];
    client.read_exact(&mut echoed).unwrap();
    send.join().unwrap().unwrap();
    assert!(echoed == message, "the echo differs from the message");
    let stats = server.handle().stats();
    assert!(stats.short_sends > 0, "no short send: {stats:?}");
    server.stop().unwrap();
}

#[test]
fn a_half_closed_peer_gets_everything_before_the_server_closes() {
    if common::skip(true) {
        return;
    }
    let listener = bind("127.0.0.1:0").unwrap();
    let server = uring_loop::spawn(listener, Config::default()).unwrap();
    let mut client = connect(server.addr(), PATIENCE).unwrap();
    let message: Vec<u8> = (0..2_000_000).map(|i| (i % 253) as u8).collect();
    let mut reader = client.try_clone().unwrap();
    let echo = thread::spawn(move || {
        let mut echoed = Vec::new();
        reader.read_to_end(&mut echoed).map(|_| echoed)
    });
    client.write_all(&message).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let echoed = echo.join().unwrap().expect("read until the server closes");
    assert!(echoed == message, "the echo differs from the message");
    let stats = wait_for(server.handle(), |s| s.open == 0);
    assert_eq!(stats.lent, 0, "nothing lent once every connection is gone");
}

#[test]
fn stopping_waits_for_every_cancelled_operation() {
    if common::skip(true) {
        return;
    }
    let listener = bind("127.0.0.1:0").unwrap();
    let server = uring_loop::spawn(listener, Config::default()).unwrap();
    let clients: Vec<TcpStream> = (0..20)
        .map(|_| connect(server.addr(), PATIENCE).unwrap())
        .collect();
    let handle = server.handle().clone();
    wait_for(&handle, |s| s.open == 20 && s.lent == 20 * BUF_SIZE);
    // Twenty recvs and an accept are in flight; stopping cancels each and
    // waits for the kernel before a buffer or a socket goes.
    server.stop().expect("stopped cleanly");
    let stats = handle.stats();
    assert_eq!((stats.open, stats.lent), (0, 0));
    for mut client in clients {
        let mut byte = [0];
        assert_eq!(client.read(&mut byte).unwrap(), 0, "closed by the server");
    }
}
