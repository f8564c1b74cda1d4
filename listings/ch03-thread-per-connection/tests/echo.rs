//! The servers echo exactly, concurrently, and survive clients that misbehave.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::thread;
use std::time::Duration;

use ch03_thread_per_connection::accept::ServerHandle;
use ch03_thread_per_connection::client::{
    PATIENCE, connect, read_echo, round_trip, timed_out,
};
use ch03_thread_per_connection::{pool, server};

fn threads_server() -> ServerHandle {
    server::spawn(TcpListener::bind("127.0.0.1:0").unwrap()).unwrap()
}

/// Messages of many sizes, some larger than the server's buffer, each with
/// bytes that tell the clients apart.
fn messages(client: usize) -> impl Iterator<Item = Vec<u8>> {
    (0..20).map(move |i| {
        let len = 1 + (i * 997) % 20_000;
        (0..len).map(|j| (client * 13 + i + j) as u8).collect()
    })
}

fn exchange_many(server: &ServerHandle, clients: usize) {
    let addr = server.addr();
    let threads: Vec<_> = (0..clients)
        .map(|client| {
            thread::spawn(move || {
                let mut stream = connect(addr, PATIENCE).unwrap();
                for message in messages(client) {
                    round_trip(&mut stream, &message).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a client failed");
    }
}

#[test]
fn concurrent_clients_get_their_bytes_back() {
    let server = threads_server();
    exchange_many(&server, 8);
}

#[test]
fn pool_serves_concurrent_clients() {
    let server =
        pool::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), 4).unwrap();
    exchange_many(&server, 4);
    exchange_many(&server, 4); // the workers are free again
}

/// Closes `stream` with SO_LINGER 0, so the kernel sends a reset (RST)
/// instead of an orderly end (FIN).
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor is open (owned by `stream`), and `linger` is a
    // valid `struct linger` whose size is passed along with it.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt: {}", std::io::Error::last_os_error());
    drop(stream);
}

#[test]
fn a_reset_mid_message_does_not_take_the_server_down() {
    let server = threads_server();
    let mut survivor = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut survivor, b"before").unwrap();

    // Half a message, its echo unread, then a reset.
    let mut rude = connect(server.addr(), PATIENCE).unwrap();
    rude.write_all(&[7u8; 50_000]).unwrap();
    reset(rude);
    // One that hangs up without reading its echo.
    let mut hasty = connect(server.addr(), PATIENCE).unwrap();
    hasty.write_all(b"bye").unwrap();
    drop(hasty);
    thread::sleep(Duration::from_millis(50));

    round_trip(&mut survivor, b"after").unwrap();
    let mut newcomer = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut newcomer, b"still here").unwrap();
}

#[test]
fn an_idle_client_holds_a_pool_worker_hostage() {
    let server =
        pool::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), 1).unwrap();
    let mut idle = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut idle, b"hi").unwrap();

    let mut waiting = connect(server.addr(), PATIENCE).unwrap();
    waiting.write_all(b"hello").unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut byte = [0u8; 1];
    let err = waiting.read(&mut byte).unwrap_err();
    assert!(timed_out(&err), "expected a timeout, got {err}");

    drop(idle);
    waiting.set_read_timeout(Some(PATIENCE)).unwrap();
    read_echo(&mut waiting, b"hello").unwrap();
}
