//! The HTTP server on the multi-threaded runtime, as a client sees it: good
//! requests, bad ones, a slow one, the connection cap, and a graceful
//! stop. The server runs on a thread of its own; the clients are blocking
//! std sockets, each call with a timeout. Prints each response's status
//! line. Usage: `runtime-http-tour`.

use std::io::{Read, Write};
use std::net::{Shutdown as Half, SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ch15_runtime::http::{self, Limits, Request};
use ch15_runtime::net::TcpListener;
use ch15_runtime::oneshot;
use ch15_runtime::runtime::Builder;

const WAIT: Duration = Duration::from_secs(5);

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to the server");
    stream.set_read_timeout(Some(WAIT)).expect("a timeout");
    stream.set_write_timeout(Some(WAIT)).expect("a timeout");
    stream
}

/// The response's first line, up to its CRLF.
fn status_line(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut byte = [0];
    while !bytes.ends_with(b"\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => bytes.push(byte[0]),
            _ => return "(no response)".into(),
        }
    }
    String::from_utf8_lossy(&bytes[..bytes.len() - 2]).into_owned()
}

/// Sends `request` on a new connection; its status line.
fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = connect(addr);
    stream.write_all(request).expect("send");
    status_line(&mut stream)
}

// ANCHOR: requests
fn requests(addr: SocketAddr) {
    let big_head = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "x".repeat(10_000)
    );
    let cases: [(&str, &[u8]); 7] = [
        ("GET /", b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"),
        ("GET /nowhere", b"GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n"),
        ("DELETE /", b"DELETE / HTTP/1.1\r\nHost: t\r\n\r\n"),
        ("no Host", b"GET / HTTP/1.1\r\n\r\n"),
        ("bare LF", b"GET / HTTP/1.1\nHost: t\n\n"),
        (
            "5 MB body",
            b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n\r\n",
        ),
        ("10 KB header", big_head.as_bytes()),
    ];
    for (what, request) in cases {
        println!("{what:<14} -> {}", exchange(addr, request));
    }
}
// ANCHOR_END: requests

fn main() {
    let limits = Limits {
        header_timeout: Duration::from_millis(300),
        max_connections: 2,
        drain_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let server = thread::spawn(move || {
        let runtime = Builder::new_multi_thread().worker_threads(2).build()?;
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            addr_tx.send(listener.local_addr()?).expect("main waits");
            let router = http::demo();
            let handler = Arc::new(move |r: &Request<'_>| router.handle(r));
            let stop = async move {
                let _ = stop_rx.await;
            };
            http::serve(listener, handler, limits, stop).await
        })
    });
    let addr = addr_rx.recv_timeout(WAIT).expect("the server listens");

    requests(addr);

    // A client that sends half a head, then nothing.
    let mut slow = connect(addr);
    slow.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n")
        .expect("send");
    println!("{:<14} -> {}", "half a head", status_line(&mut slow));
    drop(slow);

    // The cap: two idle keep-alive connections fill it; a third waits.
    let mut first = connect(addr);
    first
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("send");
    let _ = status_line(&mut first);
    let mut second = connect(addr);
    second
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("send");
    let _ = status_line(&mut second);
    let mut third = connect(addr);
    third
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("send");
    third
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("a timeout");
    let waiting = third.read(&mut [0]).is_err();
    println!("a third client at the cap: waiting = {waiting}");
    third.set_read_timeout(Some(WAIT)).expect("a timeout");
    drop(first);
    println!("after one closes: {}", status_line(&mut third));

    // A graceful stop with one idle connection and one mid-request.
    let mut busy = connect(addr);
    let _ = second.shutdown(Half::Both);
    busy.write_all(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nsl",
    )
    .expect("send");
    thread::sleep(Duration::from_millis(300));
    stop_tx.send(());
    thread::sleep(Duration::from_millis(100));
    busy.write_all(b"ow").expect("send the rest of the body");
    println!("mid-request at the stop: {}", status_line(&mut busy));
    // The server shuts down its side after the response; so do we, as a
    // client does at the end of the stream.
    let _ = busy.read_to_end(&mut Vec::new());
    drop(busy);
    let closed = third.read_to_end(&mut Vec::new()).is_ok();
    drop(third);
    println!("idle at the stop, closed by the server: {closed}");
    match server.join().expect("the server thread") {
        Ok(stopped) => println!(
            "stopped: {} finished, {} dropped",
            stopped.finished, stopped.dropped
        ),
        Err(e) => println!("the server failed: {e}"),
    }
}
