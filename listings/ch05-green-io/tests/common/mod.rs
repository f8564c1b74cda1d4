//! Shared by the integration tests: a green echo server on its own OS thread.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch05_green_io::net::TcpListener;
use ch05_green_io::{echo, run};

/// Starts the green echo server on its own OS thread; returns its address.
/// The thread serves until the test process exits.
pub fn start_echo_server() -> SocketAddr {
    let (addr_tx, addr_rx) = mpsc::channel();
    thread::spawn(move || {
        run(move || {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            addr_tx
                .send(listener.local_addr().expect("local addr"))
                .expect("send addr");
            echo::serve(&listener)
        })
    });
    addr_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("server started")
}
