//! Every server the bench runs answers HTTP and echo correctly, through the
//! same child processes the bench measures: pipelined requests in one
//! write, a request split across writes, and an echo.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::thread;
use std::time::Duration;

use book_bench::child::ServerProcess;
use book_bench::http::HELLO;
use book_bench::servers::{Server, Service};

const TIMEOUT: Duration = Duration::from_secs(5);

fn bench() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_book-bench"))
}

fn servers() -> impl Iterator<Item = Server> {
    Server::ALL.into_iter().filter(|s| s.missing().is_none())
}

fn connect(server: &ServerProcess) -> TcpStream {
    let stream = TcpStream::connect_timeout(&server.addr(), TIMEOUT).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream
}

#[test]
fn every_server_answers_pipelined_and_split_requests() {
    let get = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n";
    for server in servers() {
        let process =
            ServerProcess::start_from(bench(), server, Service::Http).unwrap();
        let mut stream = connect(&process);
        stream.write_all(&[get.as_slice(), get].concat()).unwrap();
        let (head, tail) = get.split_at(9);
        stream.write_all(head).unwrap();
        thread::sleep(Duration::from_millis(50)); // two reads, surely
        stream.write_all(tail).unwrap();
        let mut replies = vec![0; HELLO.len() * 3];
        stream.read_exact(&mut replies).unwrap();
        assert_eq!(replies, HELLO.repeat(3), "{}", server.name());
        // A request it refuses ends the connection after the reply.
        stream.write_all(b"BREW / HTCPCP/1.0\r\n\r\n").unwrap();
        let mut rest = String::new();
        stream.read_to_string(&mut rest).unwrap();
        assert!(
            rest.starts_with("HTTP/1.1 400 "),
            "{}: {rest}",
            server.name()
        );
    }
}

#[test]
fn every_server_echoes() {
    for server in servers() {
        let process =
            ServerProcess::start_from(bench(), server, Service::Echo).unwrap();
        let mut stream = connect(&process);
        let message: Vec<u8> = (0..64).collect();
        stream.write_all(&message).unwrap();
        let mut echoed = vec![0; 64];
        stream.read_exact(&mut echoed).unwrap();
        assert_eq!(echoed, message, "{}", server.name());
    }
}
