//! The exercises' solutions: `copy`, owned halves and a proxy, UDP.

use std::io::{Read, Write};
use std::net::Shutdown;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch12_reactor::background::Background;
use ch12_reactor::client::{PATIENCE, connect};
use ch12_reactor::exercises::copy::copy;
use ch12_reactor::exercises::split::proxy;
use ch12_reactor::exercises::udp::UdpSocket;
use ch12_reactor::net::{TcpListener, TcpStream};
use ch12_reactor::{Builder, block_on, echo};

fn within<T: Send + 'static>(
    limit: Duration,
    test: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, result) = mpsc::channel();
    thread::spawn(move || done.send(test()));
    result.recv_timeout(limit).expect("the test hung")
}

#[test]
fn copy_echoes_a_stream_through_its_two_directions() {
    within(PATIENCE, || {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client =
            connect(listener.local_addr().unwrap(), PATIENCE).unwrap();
        let (server, _) = listener.accept().unwrap();
        let sent: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
        let copier = thread::spawn(move || {
            block_on(async move {
                let socket = TcpStream::from_std(server)?;
                // Read and write one socket through two shared references.
                let (mut from, mut to) = (&socket, &socket);
                copy(&mut from, &mut to).await
            })
        });
        let writer = {
            let sent = sent.clone();
            let mut client = client.try_clone().unwrap();
            thread::spawn(move || {
                client.write_all(&sent)?;
                client.shutdown(Shutdown::Write)
            })
        };
        let mut echoed = Vec::new();
        // The copier drops the socket after the copy: end of stream.
        client.read_to_end(&mut echoed).unwrap();
        writer.join().unwrap().unwrap();
        assert_eq!(copier.join().unwrap().unwrap(), sent.len() as u64);
        assert_eq!(echoed, sent);
    });
}

#[test]
fn a_proxy_of_two_owned_halves_forwards_both_ways() {
    within(PATIENCE, || {
        let echo_server =
            Background::start(Builder::new_current_thread(), echo::serve)
                .unwrap();
        let echo_addr = echo_server.addr();
        let (addr_tx, addr_rx) = mpsc::channel();
        let client = thread::spawn(move || -> std::io::Result<Vec<u8>> {
            let mut stream = connect(addr_rx.recv().unwrap(), PATIENCE)?;
            stream.write_all(b"through the proxy")?;
            stream.shutdown(Shutdown::Write)?;
            let mut echoed = Vec::new();
            stream.read_to_end(&mut echoed)?;
            Ok(echoed)
        });
        let forwarded = block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            addr_tx.send(listener.local_addr()?).unwrap();
            let (client, _) = listener.accept().await?;
            let server = TcpStream::connect(echo_addr).await?;
            proxy(client, server).await
        });
        assert_eq!(client.join().unwrap().unwrap(), b"through the proxy");
        assert_eq!(forwarded.unwrap(), (17, 17));
    });
}

#[test]
fn a_short_datagram_does_not_hide_the_next_one() {
    within(PATIENCE, || {
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.set_read_timeout(Some(PATIENCE)).unwrap();
        block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let addr = socket.local_addr().unwrap();
            // Two datagrams wait before the first receive: one event.
            sender.send_to(b"one", addr).unwrap();
            sender.send_to(b"two", addr).unwrap();
            let mut buf = [0; 1500];
            let (n, from) = socket.recv_from(&mut buf).await.unwrap();
            assert_eq!(
                (&buf[..n], from),
                (&b"one"[..], sender.local_addr().unwrap())
            );
            // Three bytes in a 1500-byte buffer, and yet "two" is there:
            // had the short datagram cleared the readiness, this would wait
            // for an event that never comes.
            let (n, _) = socket.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"two");
            socket.send_to(b"back", from).await.unwrap();
        });
        let mut buf = [0; 16];
        let n = sender.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"back");
    });
}
