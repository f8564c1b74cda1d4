//! The echo server with a deadline per read: a connection that keeps
//! talking stays, a silent one is closed once its deadline passes.

use std::io::{ErrorKind, Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use ch13_timers::background::Background;
use ch13_timers::{Builder, client, idle_echo};

const IDLE: Duration = Duration::from_millis(250);
const PATIENCE: Duration = Duration::from_secs(5);

#[test]
fn a_silent_connection_is_closed_and_a_talking_one_is_not() {
    let server = Background::start(Builder::new_current_thread(), |listener| {
        idle_echo::serve(listener, IDLE)
    })
    .unwrap();
    let mut talker = client::connect(server.addr(), PATIENCE).unwrap();
    let mut silent = client::connect(server.addr(), PATIENCE).unwrap();
    let start = Instant::now();
    // Twice the idle time, a message every 30 ms: never idle.
    while start.elapsed() < 2 * IDLE {
        client::round_trip(&mut talker, b"still here").unwrap();
        thread::sleep(Duration::from_millis(30));
    }
    // The silent one was closed by the server: end of stream, not data.
    let mut byte = [0];
    match silent.read(&mut byte) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the silent connection is still open: {other:?}"),
    }
    talker.write_all(b"!").unwrap();
    talker.read_exact(&mut byte).unwrap();
    assert_eq!(&byte, b"!");
}
