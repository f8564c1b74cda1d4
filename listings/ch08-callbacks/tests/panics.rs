//! A callback that panics is reported, its source is closed, and the loop
//! goes on: the same round's other callbacks, and every later one, run.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use ch08_callbacks::launch::Running;
use ch08_callbacks::listen::{self, listen};
use ch08_callbacks::{EventLoop, nbio};

/// An echo server whose callback panics when it reads `boom`.
fn touchy_echo(lp: &mut EventLoop, stream: TcpStream) {
    let stream = listen::prepare(stream).unwrap();
    let id = lp.add(Rc::clone(&stream));
    lp.on_readable(id, move |lp| {
        let mut buf = [0; 64];
        match nbio::read(&stream, &mut buf) {
            Ok(Some(0)) | Err(_) => drop(lp.remove(id)),
            Ok(Some(n)) if &buf[..n] == b"boom" => panic!("told to panic"),
            Ok(Some(n)) => drop(nbio::write(&stream, &buf[..n])),
            Ok(None) => {}
        }
    });
}

fn connect(addr: std::net::SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn echo(s: &mut TcpStream, msg: &[u8]) -> Vec<u8> {
    s.write_all(msg).unwrap();
    let mut back = vec![0; msg.len()];
    s.read_exact(&mut back).unwrap();
    back
}

#[test]
fn a_panicking_callback_is_reported_and_its_connection_alone_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server =
        Running::spawn(move |lp| listen(lp, listener, touchy_echo).map(drop))
            .unwrap();
    let mut calm = connect(addr);
    assert_eq!(echo(&mut calm, b"hello"), b"hello");
    let mut touchy = connect(addr);
    touchy.write_all(b"boom").unwrap();
    let mut rest = Vec::new();
    touchy.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "closed without an answer");
    assert_eq!(echo(&mut calm, b"still here"), b"still here");
    assert_eq!(echo(&mut connect(addr), b"newcomer"), b"newcomer");
    let stats = server.stop().unwrap();
    assert_eq!(stats.panics, 1);
    assert_eq!(stats.last_panic.as_deref(), Some("told to panic"));
}

#[test]
fn panicking_timers_and_immediates_do_not_stop_the_rest_of_their_phase() {
    let mut lp = EventLoop::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    lp.set_timeout(Duration::ZERO, |_| panic!("timer"));
    let l = Rc::clone(&log);
    lp.set_timeout(Duration::ZERO, move |_| l.borrow_mut().push("timer after"));
    lp.set_immediate(|_| panic!("immediate"));
    let l = Rc::clone(&log);
    lp.set_immediate(move |_| l.borrow_mut().push("immediate after"));
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["timer after", "immediate after"]);
    assert_eq!(lp.stats().panics, 2);
}
