//! A server out of descriptors keeps the extra connections queued, keeps
//! serving the ones it has, does not spin, and accepts the rest once
//! others close.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread;
use std::time::Duration;

use ch07_io_uring::client::{PATIENCE, connect};
use ch07_io_uring::process::ServerProcess;

/// Has the server echoed our byte yet? (Looks without waiting.)
fn has_echoed(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let echoed = matches!((&*stream).read(&mut [0]), Ok(1));
    stream.set_nonblocking(false).unwrap();
    echoed
}

#[test]
fn connections_beyond_the_descriptor_limit_wait_and_the_loop_does_not_spin() {
    // The server is a child process, which valgrind does not follow.
    if common::skip(false) {
        return;
    }
    // 32 descriptors: stdio, the ring, its eventfd and the listener take 6.
    let mut command = Command::new(env!("CARGO_BIN_EXE_echo-uring"));
    command.args(["--addr", "127.0.0.1:0", "--max-fds", "32"]);
    let server = ServerProcess::start(command).unwrap();

    let mut clients: Vec<TcpStream> = (0..40)
        .map(|_| connect(server.addr(), PATIENCE).unwrap())
        .collect();
    for client in &mut clients {
        client.write_all(b"x").unwrap();
    }
    thread::sleep(Duration::from_millis(200));
    // Out of descriptors for a second: a loop that resubmitted its accept
    // at once after each EMFILE would burn a core all that time.
    let cpu_before = server.cpu_time().unwrap();
    thread::sleep(Duration::from_secs(1));
    let cpu = server.cpu_time().unwrap() - cpu_before;
    assert!(
        cpu < Duration::from_millis(100),
        "the loop spun: {cpu:?} CPU"
    );

    let (served, mut waiting): (Vec<_>, Vec<_>) =
        clients.into_iter().partition(has_echoed);
    assert!(!waiting.is_empty(), "the limit was never reached");
    assert!(served.len() >= 20, "only {} served", served.len());

    // Closing the served connections frees descriptors for the waiting ones.
    drop(served);
    for stream in &mut waiting {
        let mut echoed = [0];
        stream
            .read_exact(&mut echoed)
            .expect("served after others closed");
        assert_eq!(&echoed, b"x");
    }
    let mut newcomer = connect(server.addr(), PATIENCE).unwrap();
    newcomer.write_all(b"y").unwrap();
    let mut echoed = [0];
    newcomer.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"y");
}
