//! At its limits the server reports the error and keeps serving: the
//! `echo-threads` binary with lowered limits, as a child process.

use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use ch03_thread_per_connection::child::ServerProcess;
use ch03_thread_per_connection::client::{
    PATIENCE, closed_by_peer, connect, read_echo, round_trip, timed_out,
};

fn echo_threads(args: &[&str]) -> ServerProcess {
    let mut command = Command::new(env!("CARGO_BIN_EXE_echo-threads"));
    command.args(["--addr", "127.0.0.1:0"]).args(args);
    ServerProcess::start(command, true).unwrap()
}

fn log_line(server: &ServerProcess) -> String {
    server.next_log_line(PATIENCE).unwrap()
}

#[test]
fn out_of_descriptors_the_server_backs_off_and_keeps_serving() {
    let server = echo_threads(&["--max-fds", "6"]);
    assert_eq!(
        log_line(&server),
        "server: descriptor limit lowered to 6, 4 in use"
    );
    let mut served = served_clients(&server, 2);

    let mut waiting =
        connect(server.addr(), Duration::from_millis(300)).unwrap();
    let err = round_trip(&mut waiting, b"wait").unwrap_err();
    assert!(timed_out(&err), "expected a timeout, got {err}");
    assert!(log_line(&server).contains("Too many open files"));
    round_trip(&mut served[1], b"still served").unwrap();

    drop(served.remove(0));
    assert!(log_line(&server).starts_with("accept: recovered after"));
    waiting.set_read_timeout(Some(PATIENCE)).unwrap();
    read_echo(&mut waiting, b"wait").unwrap();
}

#[test]
fn out_of_threads_the_server_drops_one_connection_and_keeps_serving() {
    let server = echo_threads(&["--max-new-threads", "2"]);
    assert!(log_line(&server).contains("fit 2 more thread stacks"));
    let mut served = served_clients(&server, 2);

    let mut refused = connect(server.addr(), PATIENCE).unwrap();
    let err = round_trip(&mut refused, b"no room").unwrap_err();
    assert!(
        closed_by_peer(&err),
        "expected the server to close, got {err}"
    );
    assert!(log_line(&server).contains("dropping the connection"));

    for client in &mut served {
        round_trip(client, b"still served").unwrap();
    }
}

/// `count` clients, each of which the server has echoed once.
fn served_clients(server: &ServerProcess, count: usize) -> Vec<TcpStream> {
    (0..count)
        .map(|_| {
            let mut client = connect(server.addr(), PATIENCE).unwrap();
            round_trip(&mut client, b"hi").unwrap();
            client
        })
        .collect()
}
