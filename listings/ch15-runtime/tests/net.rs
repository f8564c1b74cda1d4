//! TcpListener and TcpStream on the reactor: reads that wait without a
//! system call, one read per short message, writes that wait for room,
//! connects, and sockets that leave epoll before they close. Every
//! blocking step has a time limit: a test that would hang fails instead.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream as StdStream};
use std::os::fd::AsFd;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::client::{PATIENCE, connect};
use ch15_runtime::count::{self, Syscall};
use ch15_runtime::harness::procfs::wait_until_asleep;
use ch15_runtime::io::{AsyncReadExt, AsyncWriteExt, PollEvented};
use ch15_runtime::net::{TcpListener, TcpStream};
use ch15_runtime::poll::Mode;
use ch15_runtime::reactor::Reactor;
use ch15_runtime::{Runtime, spawn};

/// Runs `test` on a thread of its own, and fails if it takes longer than
/// `limit` (the thread is left behind: the test has failed anyway).
fn within<T: Send + 'static>(
    limit: Duration,
    test: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, result) = mpsc::channel();
    thread::spawn(move || done.send(test()));
    result.recv_timeout(limit).expect("the test hung")
}

/// A connected pair of std sockets.
fn pair() -> (StdStream, StdStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = connect(listener.local_addr().unwrap(), PATIENCE).unwrap();
    let (server, _) = listener.accept().unwrap();
    (server, client)
}

#[test]
fn a_read_with_nothing_there_waits_without_a_system_call() {
    within(PATIENCE, || {
        let runtime = Runtime::new().unwrap();
        let (addr_tx, addr_rx) = mpsc::channel::<SocketAddr>();
        let client = thread::spawn(move || {
            let mut stream = connect(addr_rx.recv().unwrap(), PATIENCE)?;
            thread::sleep(Duration::from_millis(100));
            stream.write_all(b"hi")
        });
        let before = count::snapshot();
        let got = runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            addr_tx.send(listener.local_addr()?).unwrap();
            let (mut socket, _) = listener.accept().await?;
            let mut buf = [0; 16];
            let n = socket.read(&mut buf).await?;
            std::io::Result::Ok(buf[..n].to_vec())
        });
        let calls = count::snapshot() - before;
        client.join().unwrap().unwrap();
        assert_eq!(got.unwrap(), b"hi");
        // Readiness comes from the kernel, never assumed: the first accept
        // and the first read waited for their events instead of asking
        // for an EAGAIN, and the thread slept meanwhile.
        assert_eq!(calls.get(Syscall::Accept), 1);
        assert_eq!(calls.get(Syscall::Read), 1);
        assert!(runtime.metrics().parks >= 2);
    });
}

/// Echoes `messages` messages of 64 bytes through a server that reads with
/// a buffer of `N` bytes; returns the server's reads and writes.
fn echo_counts<const N: usize>(messages: usize) -> (u64, u64) {
    let runtime = Runtime::new().unwrap();
    let (addr_tx, addr_rx) = mpsc::channel::<(SocketAddr, libc::pid_t)>();
    let client = thread::spawn(move || -> std::io::Result<()> {
        let (addr, server_thread) = addr_rx.recv().unwrap();
        let mut stream = connect(addr, PATIENCE)?;
        for _ in 0..messages {
            // Send only while the server sleeps in epoll_wait: its last
            // read is over, whatever it found.
            wait_until_asleep(&[server_thread], PATIENCE)?;
            stream.write_all(&[7; 64])?;
            stream.read_exact(&mut [0; 64])?;
        }
        // And close only then: an end of stream that arrived early would
        // answer the read that should have said EAGAIN.
        wait_until_asleep(&[server_thread], PATIENCE)
    });
    let calls = runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        // SAFETY: gettid has no preconditions.
        let me = unsafe { libc::gettid() };
        addr_tx.send((listener.local_addr()?, me)).unwrap();
        let (mut socket, _) = listener.accept().await?;
        let before = count::snapshot();
        let mut buf = [0; N];
        loop {
            let n = socket.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            socket.write_all(&buf[..n]).await?;
        }
        std::io::Result::Ok(count::snapshot() - before)
    });
    client.join().unwrap().unwrap();
    let calls = calls.unwrap();
    (calls.get(Syscall::Read), calls.get(Syscall::Write))
}

// ANCHOR: short_read
#[test]
fn a_short_read_saves_the_read_that_would_say_eagain() {
    within(PATIENCE, || {
        // A 64-byte message in a 1 KiB buffer: the read is short, so the
        // socket is drained and the next read waits without asking. One
        // read per message, and one for the end of stream.
        assert_eq!(echo_counts::<1024>(10), (11, 10));
        // In a 64-byte buffer the read is full: maybe more is there, so
        // the next read asks, and gets EAGAIN. Two reads per message.
        assert_eq!(echo_counts::<64>(10), (21, 10));
    });
}
// ANCHOR_END: short_read

#[test]
fn write_all_waits_for_room_while_the_peer_does_not_read() {
    within(PATIENCE, || {
        const SIZE: usize = 8 << 20;
        let runtime = Runtime::new().unwrap();
        let (server, mut client) = pair();
        let (started_tx, started) = mpsc::channel();
        let reader = thread::spawn(move || {
            // Read nothing until the server has been stuck for a while.
            started.recv().unwrap();
            thread::sleep(Duration::from_millis(200));
            let mut all = Vec::new();
            client.read_to_end(&mut all).map(|_| all.len())
        });
        let waited = runtime.block_on(async move {
            let mut socket = TcpStream::from_std(server)?;
            started_tx.send(()).unwrap();
            let start = Instant::now();
            socket.write_all(&vec![1; SIZE]).await?;
            socket.shutdown().await?;
            std::io::Result::Ok(start.elapsed())
        });
        assert!(waited.unwrap() >= Duration::from_millis(200));
        assert_eq!(reader.join().unwrap().unwrap(), SIZE);
        // Parked, not spinning: the thread slept while the buffers were
        // full, a handful of times, not once per retry.
        let metrics = runtime.metrics();
        assert!(metrics.parks >= 1 && metrics.turns < 1000, "{metrics:?}");
    });
}

#[test]
fn read_exact_fills_the_buffer_or_reports_the_early_end() {
    within(PATIENCE, || {
        let runtime = Runtime::new().unwrap();
        let (server, mut client) = pair();
        let writer = thread::spawn(move || {
            for piece in [&b"he"[..], b"llo", b"!"] {
                client.write_all(piece)?;
                thread::sleep(Duration::from_millis(20));
            }
            Ok::<_, std::io::Error>(())
        });
        runtime.block_on(async move {
            let mut socket = TcpStream::from_std(server).unwrap();
            let mut five = [0; 5];
            assert_eq!(socket.read_exact(&mut five).await.unwrap(), 5);
            assert_eq!(&five, b"hello");
            let mut more = [0; 4];
            let early = socket.read_exact(&mut more).await.unwrap_err();
            assert_eq!(early.kind(), std::io::ErrorKind::UnexpectedEof);
        });
        writer.join().unwrap().unwrap();
    });
}

#[test]
fn connect_reaches_a_listener_and_a_closed_port_refuses() {
    within(PATIENCE, || {
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        ch15_runtime::block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn(async move {
                let (mut socket, peer) = listener.accept().await?;
                socket.write_all(peer.to_string().as_bytes()).await?;
                std::io::Result::Ok(())
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            let mut told = String::new();
            let mut buf = [0; 64];
            loop {
                let n = client.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                told.push_str(std::str::from_utf8(&buf[..n]).unwrap());
            }
            // accept4's address is the client's own.
            assert_eq!(told, client.local_addr().unwrap().to_string());
            server.await.unwrap().unwrap();
            let refused = TcpStream::connect(closed).await.unwrap_err();
            assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        });
    });
}

// ANCHOR: deregister
#[test]
fn a_socket_leaves_epoll_before_it_closes() {
    let mut reactor = Reactor::new(Mode::Edge, 16).unwrap();
    let _enter = reactor.enter();
    let (server, mut client) = pair();
    server.set_nonblocking(true).unwrap();
    let socket = PollEvented::new(server).unwrap();
    // A copy of the descriptor keeps the socket open after the drop, as a
    // child process or a `try_clone` would.
    let copy = socket.get_ref().try_clone().unwrap();
    reactor.turn(Some(Duration::ZERO)).unwrap(); // the first "writable"
    let before = count::snapshot();
    drop(socket);
    assert_eq!((count::snapshot() - before).get(Syscall::EpollCtl), 1);
    // Data for the open copy: epoll no longer watches it.
    client.write_all(b"late").unwrap();
    let turn = reactor.turn(Some(Duration::from_millis(100))).unwrap();
    assert_eq!(turn.events, 0, "the registration outlived the socket");
    assert_eq!(reactor.registrations(), 0);
    drop(copy);
}
// ANCHOR_END: deregister

#[test]
fn an_event_for_a_reused_slot_is_recognised_as_stale() {
    let mut reactor = Reactor::new(Mode::Edge, 16).unwrap();
    let handle = reactor.handle();
    // Socket A is registered, and closed without leaving epoll (the
    // mistake the last test guards against), while a copy keeps it open.
    let (a, mut a_peer) = pair();
    a.set_nonblocking(true).unwrap();
    let a_registered = handle.register(a.as_fd()).unwrap();
    let copy = a.try_clone().unwrap();
    drop(a);
    handle.release(a_registered.token);
    // Socket B gets A's slot, under the next generation.
    let (b, _b_peer) = pair();
    b.set_nonblocking(true).unwrap();
    let b_registered = handle.register(b.as_fd()).unwrap();
    assert_eq!(a_registered.token.0 as u32, b_registered.token.0 as u32);
    assert_ne!(a_registered.token, b_registered.token);
    reactor.turn(Some(Duration::ZERO)).unwrap(); // first events
    // Data for A is reported under A's token: refused, B untouched.
    a_peer.write_all(b"zombie").unwrap();
    let turn = reactor.turn(Some(PATIENCE)).unwrap();
    assert_eq!((turn.events, turn.delivered), (1, 0));
    // SAFETY: the slot lives as long as the reactor.
    let b_slot = unsafe { b_registered.slot.as_ref() };
    assert!(
        !b_slot
            .readiness
            .load()
            .is(ch15_runtime::reactor::readiness::READABLE)
    );
    handle.deregister(b.as_fd(), b_registered.token).unwrap();
    drop(copy);
}

#[test]
fn a_socket_that_outlives_its_runtime_fails_instead_of_hanging() {
    within(PATIENCE, || {
        let (server, _client) = pair();
        let first = Runtime::new().unwrap();
        let mut socket =
            first.block_on(async { TcpStream::from_std(server).unwrap() });
        drop(first);
        let failed = ch15_runtime::block_on(async move {
            socket.read(&mut [0; 8]).await.unwrap_err()
        });
        assert!(failed.to_string().contains("reactor is gone"));
    });
}
