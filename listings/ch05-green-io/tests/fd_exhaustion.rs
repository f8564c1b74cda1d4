//! A server out of descriptors keeps the extra connections queued and serves
//! them once others close; it neither dies nor spins.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use ch05_green_io::server::ServerProcess;

const TIMEOUT: Duration = Duration::from_secs(10);

fn connect(server: &ServerProcess) -> TcpStream {
    let stream =
        TcpStream::connect_timeout(&server.addr(), TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    stream
}

/// Has the server echoed our byte yet? (Looks without waiting.)
fn has_echoed(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).expect("non-blocking");
    let echoed = matches!((&*stream).read(&mut [0]), Ok(1));
    stream.set_nonblocking(false).expect("blocking");
    echoed
}

fn echo_one_byte(stream: &mut TcpStream) -> std::io::Result<()> {
    stream.write_all(b"x")?;
    stream.read_exact(&mut [0])
}

#[test]
// The server runs as a child process with its own descriptor limit. Under
// qemu-user (the aarch64 CI run) a child cannot be started unless the host
// registered qemu with binfmt_misc, so there the test is skipped.
#[cfg_attr(
    not(target_arch = "x86_64"),
    ignore = "starts a child process, which qemu-user cannot run"
)]
fn connections_beyond_the_descriptor_limit_wait_and_are_served_later() {
    // 32 descriptors: about 5 go to stdio, epoll and the listener.
    let mut command = Command::new(env!("CARGO_BIN_EXE_echo-green"));
    command.args(["--addr", "127.0.0.1:0", "--max-fds", "32"]);
    let server = ServerProcess::spawn(command).expect("server starts");

    let mut clients: Vec<TcpStream> =
        (0..40).map(|_| connect(&server)).collect();
    for client in &mut clients {
        client.write_all(b"x").expect("write");
    }
    // Most are served; the last ones wait in the listen queue.
    std::thread::sleep(Duration::from_millis(300));
    let (served, mut waiting): (Vec<_>, Vec<_>) =
        clients.into_iter().partition(has_echoed);
    assert!(!waiting.is_empty(), "the limit was never reached");
    assert!(served.len() >= 20, "only {} served", served.len());

    // Closing the served connections frees descriptors for the waiting ones.
    drop(served);
    for stream in &mut waiting {
        let mut echoed = [0];
        // Its byte was sent already; the echo comes once it is accepted.
        stream
            .read_exact(&mut echoed)
            .expect("served after others closed");
        assert_eq!(&echoed, b"x");
    }
    echo_one_byte(&mut connect(&server)).expect("a newcomer is served");
}
