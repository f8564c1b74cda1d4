//! The exercises' solutions: a channel whose `recv` parks, and a server that
//! serves a limited number of connections at once.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ch05_green_io::exercises::channel::channel;
use ch05_green_io::exercises::limit::serve_limited;
use ch05_green_io::net::TcpListener;
use ch05_green_io::{run, sleep, spawn, trace, yield_now};

/// How many times the scheduler called `epoll_wait` in a trace.
fn epoll_waits(events: &[String]) -> usize {
    events
        .iter()
        .flat_map(|event| event.lines())
        .filter(|line| line.starts_with("N->>K: epoll_wait"))
        .count()
}

#[test]
fn channel_delivers_in_order_then_reports_the_end() {
    let received = run(|| {
        let (sender, receiver) = channel();
        let producers: Vec<_> = (0..2)
            .map(|producer| {
                let sender = sender.clone();
                spawn(move || {
                    for n in 0..3 {
                        sender.send((producer, n));
                        yield_now();
                    }
                })
            })
            .collect();
        drop(sender);
        let mut received = Vec::new();
        while let Some(message) = receiver.recv() {
            received.push(message);
        }
        for producer in producers {
            producer.join().expect("no panic");
        }
        received
    });
    let expected = [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)];
    assert_eq!(received, expected);
}

#[test]
fn a_waiting_receiver_is_parked_not_spinning() {
    trace::start();
    let (received, waited) = run(|| {
        let (sender, receiver) = channel();
        spawn(move || {
            sleep(Duration::from_millis(200));
            sender.send("late");
        });
        let start = Instant::now();
        (receiver.recv(), start.elapsed())
    });
    let polls = epoll_waits(&trace::stop());
    assert_eq!(received, Some("late"));
    assert!(waited >= Duration::from_millis(200), "{waited:?}");
    // Parked, the scheduler sleeps in one `epoll_wait` until the sender's
    // deadline. A receiver that yielded in a loop would keep it polling,
    // once per round, thousands of times.
    assert!(polls < 20, "{polls} calls of epoll_wait");
}

const TIMEOUT: Duration = Duration::from_secs(5);

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    stream
}

fn echoes(stream: &mut TcpStream, message: &[u8]) -> bool {
    stream.write_all(message).expect("write");
    let mut echoed = vec![0; message.len()];
    stream.read_exact(&mut echoed).is_ok() && echoed == message
}

#[test]
fn a_limited_server_serves_the_next_client_when_one_leaves() {
    let (addr_tx, addr_rx) = mpsc::channel();
    // Serves until the test process exits.
    thread::spawn(move || {
        run(move || {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            addr_tx.send(listener.local_addr()?).expect("send addr");
            serve_limited(&listener, 2)
        })
    });
    let addr = addr_rx.recv_timeout(TIMEOUT).expect("server started");
    let mut served = vec![connect(addr), connect(addr)];
    for stream in &mut served {
        assert!(echoes(stream, b"hi"));
    }
    // A third client connects (the kernel completes the handshake) and
    // sends, but no handler reads it while two are served.
    let mut third = connect(addr);
    third.write_all(b"wait").expect("write");
    third
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    assert!(third.read(&mut [0; 4]).is_err(), "served beyond the limit");
    // One leaves: the third is served.
    served.pop();
    third.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let mut echoed = [0; 4];
    third.read_exact(&mut echoed).expect("served once one left");
    assert_eq!(&echoed, b"wait");
}
