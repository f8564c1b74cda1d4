//! `accept` failures that concern one connection, or a machine short of a
//! resource, and a registration that fails for one connection, end neither
//! the accept loop nor any other connection. Only a broken listener does.
//! Real machines produce these rarely, so the test injects them through
//! `serve_from`'s seam, around a real listener.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch05_green_io::echo::serve_from;
use ch05_green_io::net::{self, TcpListener};
use ch05_green_io::run;

const TIMEOUT: Duration = Duration::from_secs(5);

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    stream.set_write_timeout(Some(TIMEOUT)).expect("timeout");
    stream
}

/// What the scripted `accept` does next.
enum Step {
    Fail(i32),
    Accept,
}

#[test]
fn only_a_broken_listener_ends_the_accept_loop() {
    use Step::{Accept, Fail};
    // Before the first connection, every error accept(2) may report for one
    // connection or for lack of resources; after the third, a broken
    // listener.
    let script = [
        Fail(libc::ECONNABORTED),
        Fail(libc::EPROTO),
        Fail(libc::EPERM),
        Fail(libc::ENOBUFS),
        Fail(libc::ENOMEM),
        Fail(libc::EMFILE),
        Fail(libc::ENFILE),
        Accept, // its registration fails: ENOSPC, as at max_user_watches
        Accept,
        Accept,
        Fail(libc::EBADF),
    ];
    let (addr_tx, addr_rx) = mpsc::channel();
    let server = thread::spawn(move || {
        run(move || {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            addr_tx.send(listener.local_addr()?).expect("send addr");
            let mut script = VecDeque::from(script);
            let mut registrations = 0;
            let result = serve_from(
                || match script.pop_front().expect("script too short") {
                    Fail(errno) => Err(io::Error::from_raw_os_error(errno)),
                    Accept => listener.accept_std(),
                },
                |stream| {
                    registrations += 1;
                    if registrations == 1 {
                        return Err(io::Error::from_raw_os_error(libc::ENOSPC));
                    }
                    net::TcpStream::from_std(stream)
                },
            );
            assert!(script.is_empty(), "every step was taken");
            result
        })
    });
    let addr = addr_rx.recv_timeout(TIMEOUT).expect("server started");

    // The first connection is accepted, then dropped: it reads end of file.
    let mut refused = connect(addr);
    assert_eq!(refused.read(&mut [0; 8]).expect("end of file"), 0);

    // The next two are served, at the same time.
    let mut first = connect(addr);
    let mut second = connect(addr);
    for (stream, message) in [(&mut first, b"one"), (&mut second, b"two")] {
        stream.write_all(message).expect("write");
        let mut echoed = [0; 3];
        stream.read_exact(&mut echoed).expect("echo");
        assert_eq!(&echoed, message);
    }
    // Their handlers end when they close; the broken listener ends the loop.
    drop((first, second));
    let result = server.join().expect("no panic");
    let error = result.expect_err("a broken listener ends the loop");
    assert_eq!(error.raw_os_error(), Some(libc::EBADF));
}
