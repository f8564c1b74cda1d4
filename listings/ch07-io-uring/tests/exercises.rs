//! The exercises' solutions: linked recv and send, provided buffers.

mod common;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ch07_io_uring::driver::{Completion, Driver, Submit};
use ch07_io_uring::exercises::linked::{Echoed, echo_frames};
use ch07_io_uring::exercises::provided::{BufRing, recv_select};
use ch07_io_uring::poll::Token;
use ch07_io_uring::trace::{Event, Trace};

#[test]
fn linked_pairs_echo_whole_frames_and_a_short_one_breaks_the_link() {
    if common::skip(false) {
        return;
    }
    let mut driver: Driver = Driver::new(8, Submit::Batched).unwrap();
    let (ours, mut peer) = UnixStream::pair().unwrap();
    // Three 16-byte frames and 5 bytes of a fourth, then the end.
    let sent: Vec<u8> = (0..53).collect();
    peer.write_all(&sent).unwrap();
    peer.shutdown(Shutdown::Write).unwrap();
    // The counters are the whole process's; the trace is this driver's.
    let trace = Trace::new();
    driver.set_trace(trace.clone());
    let echoed = echo_frames(&mut driver, ours.as_raw_fd(), 16).unwrap();
    let entering = |e: &Event| matches!(e, Event::Entering { .. });
    let enters = trace.events().iter().filter(|e| entering(e)).count();
    assert_eq!(
        echoed,
        Echoed {
            frames: 3,
            partial: 5
        }
    );
    // One submission per pair, which here also collects both completions.
    assert_eq!(enters, 4, "one io_uring_enter per frame");
    drop(ours);
    let mut back = Vec::new();
    peer.read_to_end(&mut back).unwrap();
    assert_eq!(back, sent[..48], "whole frames only");
}

/// Waits until `n` completions are in (a timer bounds the wait).
fn completions(driver: &mut Driver, n: usize) -> Vec<Completion<Vec<u8>>> {
    let timer = driver.timeout(Token(999), Duration::from_secs(5)).unwrap();
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(6);
    while got.len() < n {
        assert!(Instant::now() < deadline);
        driver.wait().unwrap();
        while let Some(done) = driver.reap() {
            assert_ne!(done.op, timer, "only {} completions", got.len());
            got.push(done);
        }
    }
    driver.abandon(timer).unwrap();
    got
}

#[test]
fn waiting_recvs_hold_no_buffer_until_data_arrives() {
    if common::skip(false) {
        return;
    }
    let mut driver: Driver = Driver::new(64, Submit::Batched).unwrap();
    let mut pool = BufRing::register(driver.ring(), 7, 4, 64).unwrap();
    let pairs: Vec<(UnixStream, UnixStream)> =
        (0..20).map(|_| UnixStream::pair().unwrap()).collect();
    let mut recvs = Vec::new();
    for (i, (ours, _)) in pairs.iter().enumerate() {
        let owner = Token(i as u64);
        recvs.push(
            recv_select(&mut driver, owner, ours.as_raw_fd(), 7).unwrap(),
        );
    }
    driver.submit().unwrap();
    // Twenty recvs wait; the only memory lent is the pool of 4 × 64 B.
    assert_eq!(driver.lent(), (0, 0));
    assert_eq!(pool.bytes(), 256);

    // Five peers send: four buffers, so the fifth recv finds none.
    for (i, (_, peer)) in pairs.iter().take(5).enumerate() {
        (&*peer)
            .write_all(format!("message {i}").as_bytes())
            .unwrap();
    }
    let mut taken = Vec::new();
    let mut empty_handed = Vec::new();
    for done in completions(&mut driver, 5) {
        match pool.take(&done) {
            Some((id, bytes)) => {
                let expected = format!("message {}", done.owner.0);
                assert_eq!(bytes, expected.as_bytes());
                taken.push(id);
            }
            None => {
                let errno = done.result.unwrap_err().raw_os_error();
                assert_eq!(errno, Some(libc::ENOBUFS));
                empty_handed.push(done.owner);
            }
        }
    }
    assert_eq!((taken.len(), empty_handed.len()), (4, 1));

    // Buffers back; the recv that found none tries again, and its data,
    // which waited in the socket, arrives.
    for id in taken {
        pool.give_back(id);
    }
    let owner = empty_handed[0];
    let fd = pairs[owner.0 as usize].0.as_raw_fd();
    recv_select(&mut driver, owner, fd, 7).unwrap();
    let done = completions(&mut driver, 1).pop().unwrap();
    let (id, bytes) = pool.take(&done).expect("a buffer this time");
    assert_eq!(bytes, format!("message {}", owner.0).as_bytes());
    pool.give_back(id);
}
