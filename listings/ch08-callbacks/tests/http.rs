//! The hello-world HTTP server the benchmark runs: keep-alive, pipelining
//! in order, the ways a request is refused.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use ch08_callbacks::http::HELLO;
use ch08_callbacks::launch::{self, Running};

fn server() -> (Running, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (launch::spawn_http(listener).unwrap(), addr)
}

fn connect(addr: std::net::SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn read_exactly(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf).unwrap();
    buf
}

/// Everything until the server closes the connection.
fn read_to_close(s: &mut TcpStream) -> String {
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    String::from_utf8(all).unwrap()
}

#[test]
fn get_says_hello_on_a_kept_alive_connection() {
    let (server, addr) = server();
    let mut s = connect(addr);
    for _ in 0..3 {
        s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        assert_eq!(read_exactly(&mut s, HELLO.len()), HELLO);
    }
    assert_eq!(server.stop().unwrap().panics, 0);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let (server, addr) = server();
    let mut s = connect(addr);
    let get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let post = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
    s.write_all(format!("{get}{post}{get}").as_bytes()).unwrap();
    let refused =
        b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n";
    let expected = [HELLO, refused, HELLO].concat();
    assert_eq!(read_exactly(&mut s, expected.len()), expected);
    drop(server);
}

#[test]
fn a_request_split_across_writes_is_put_together() {
    let (_server, addr) = server();
    let mut s = connect(addr);
    for part in ["GE", "T / HTTP/1.1\r", "\nHost: x\r\n", "\r\n"] {
        s.write_all(part.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(read_exactly(&mut s, HELLO.len()), HELLO);
}

#[test]
fn http_1_0_and_connection_close_end_the_connection() {
    let (_server, addr) = server();
    for request in [
        "GET / HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
    ] {
        let mut s = connect(addr);
        s.write_all(request.as_bytes()).unwrap();
        let answer = read_to_close(&mut s);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("Connection: close\r\n"), "{answer}");
        assert!(answer.ends_with("Hello, world!"), "{answer}");
    }
}

#[test]
fn bad_requests_are_refused_and_closed() {
    let (server, addr) = server();
    let too_long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(5000));
    for (request, status) in [
        ("NONSENSE\r\n\r\n".to_string(), "400"),
        ("GET / HTTP/2.0\r\n\r\n".to_string(), "505"),
        (too_long, "431"),
        (
            "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".into(),
            "501",
        ),
    ] {
        let mut s = connect(addr);
        let _ = s.write_all(request.as_bytes()); // may be cut short: 431
        let answer = read_to_close(&mut s);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{answer}"
        );
    }
    // And the server is still there.
    let mut s = connect(addr);
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(read_exactly(&mut s, HELLO.len()), HELLO);
    assert_eq!(server.stop().unwrap().panics, 0);
}
