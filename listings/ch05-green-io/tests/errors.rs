//! Misbehaving peers end their own connection, never the server.

mod common;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::time::Duration;

const TIMEOUT: Option<Duration> = Some(Duration::from_secs(5));

fn connect(addr: std::net::SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .expect("connect");
    stream.set_read_timeout(TIMEOUT).expect("timeout");
    stream.set_write_timeout(TIMEOUT).expect("timeout");
    stream
}

fn assert_echoes(stream: &mut TcpStream, message: &[u8]) {
    stream.write_all(message).expect("write");
    let mut echoed = vec![0; message.len()];
    stream.read_exact(&mut echoed).expect("read echo");
    assert_eq!(echoed, message);
}

/// Writes until the socket would block: the server is parked in `write`.
fn flood(stream: &mut TcpStream) {
    stream.set_nonblocking(true).expect("non-blocking");
    let chunk = vec![7; 64 * 1024];
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match stream.write(&chunk) {
            Ok(_) => assert!(
                std::time::Instant::now() < deadline,
                "buffers never filled"
            ),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // Give the server time to fill our receive buffer too.
                std::thread::sleep(Duration::from_millis(50));
                if stream.write(&chunk).is_err() {
                    return;
                }
            }
            Err(e) => panic!("flood: {e}"),
        }
    }
}

/// Closing with SO_LINGER set to zero sends a reset (RST) instead of a FIN.
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` is a valid option value of the size we pass.
    let ret = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(ret, 0, "{}", io::Error::last_os_error());
    drop(stream);
}

#[test]
fn resets_and_half_closed_peers_end_only_their_connection() {
    let addr = common::start_echo_server();
    let mut survivor = connect(addr);
    assert_echoes(&mut survivor, b"before");

    // A client that resets while the server waits to read from it.
    let mut resetting = connect(addr);
    assert_echoes(&mut resetting, b"hello");
    reset(resetting);

    // A client that sends until both directions' buffers are full (so the
    // server's green thread is parked in `write`), never reads, and resets.
    let mut flooding = connect(addr);
    flood(&mut flooding);
    reset(flooding);

    // A client that closes its sending side: the server sees EOF and closes.
    let mut half_closed = connect(addr);
    half_closed.write_all(b"bye").expect("write");
    half_closed.shutdown(Shutdown::Write).expect("shutdown");
    let mut rest = Vec::new();
    half_closed
        .read_to_end(&mut rest)
        .expect("read until the server closes");
    assert_eq!(rest, b"bye");

    assert_echoes(&mut survivor, b"after");
    assert_echoes(&mut connect(addr), b"newcomer");
}
