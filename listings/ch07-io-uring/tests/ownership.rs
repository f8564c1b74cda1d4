//! Who owns a buffer while the kernel works: the rules the driver keeps.

mod common;

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use ch07_io_uring::driver::{Completion, Driver, IoBuf, Kind, Submit};
use ch07_io_uring::poll::Token;

/// The owner of the timer that bounds every wait of these tests.
const BACKSTOP: Token = Token(u64::MAX - 7);

/// Waits for completions until `done` is satisfied, and returns them. A
/// timer in flight bounds the waiting: if it completes first, the test
/// fails instead of hanging. `done` sees the timer among the operations
/// in flight.
fn run_until<B: IoBuf>(
    driver: &mut Driver<B>,
    mut done: impl FnMut(&Driver<B>, &[Completion<B>]) -> bool,
) -> Vec<Completion<B>> {
    let timer = driver.timeout(BACKSTOP, Duration::from_secs(5)).unwrap();
    let mut got = Vec::new();
    loop {
        while let Some(c) = driver.reap() {
            assert_ne!(c.op, timer, "nothing happened for 5 s");
            got.push(c);
        }
        if done(driver, &got) {
            driver.abandon(timer).unwrap();
            return got;
        }
        driver.wait().unwrap();
    }
}

/// A buffer that reports what it holds when it is finally dropped.
struct Witness {
    bytes: Vec<u8>,
    report: Sender<Vec<u8>>,
}

impl Witness {
    fn new(size: usize) -> (Witness, Receiver<Vec<u8>>) {
        let (report, dropped) = mpsc::channel();
        let bytes = vec![0; size];
        (Witness { bytes, report }, dropped)
    }
}

// SAFETY: the bytes live on the heap, in a vector never resized; moving
// the witness moves only the vector's pointer.
unsafe impl IoBuf for Witness {
    fn stable_ptr(&mut self) -> *mut u8 {
        self.bytes.as_mut_ptr()
    }

    fn size(&self) -> usize {
        self.bytes.len()
    }
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = self.report.send(std::mem::take(&mut self.bytes));
    }
}

#[test]
fn a_cancelled_recv_returns_its_buffer_with_its_own_completion() {
    if common::skip(false) {
        return;
    }
    let mut driver: Driver = Driver::new(8, Submit::Batched).unwrap();
    let (ours, _peer) = UnixStream::pair().unwrap();
    let recv = driver
        .recv(Token(1), ours.as_raw_fd(), vec![0; 64])
        .unwrap();
    driver.submit().unwrap();
    let cancel = driver.cancel(recv).unwrap();
    assert_eq!(driver.lent(), (1, 64), "still the kernel's");
    driver.submit().unwrap();
    // Each completion, with what the table still held right after it.
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while got.len() < 2 {
        assert!(Instant::now() < deadline, "got only {got:?}");
        match driver.reap() {
            Some(c) => got.push((c, driver.lent())),
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    let mut recv_seen = false;
    for (c, lent) in &got {
        if c.op == cancel {
            assert_eq!(c.kind, Kind::Cancel);
            assert!(c.result.is_ok(), "found it: {:?}", c.result);
            assert!(c.buf.is_none(), "a cancel holds no buffer");
            // Before the recv's own completion, the kernel still has it.
            let expected = if recv_seen { (0, 0) } else { (1, 64) };
            assert_eq!(*lent, expected);
        } else {
            assert_eq!(c.op, recv);
            let errno = c.result.as_ref().unwrap_err().raw_os_error();
            assert_eq!(errno, Some(libc::ECANCELED));
            assert_eq!(c.buf.as_ref().map(Vec::len), Some(64), "back");
            assert_eq!(*lent, (0, 0));
            recv_seen = true;
        }
    }
    eprintln!(
        "the cancel's completion came first: {}",
        got[0].0.op == cancel
    );
}

#[test]
fn an_abandoned_recv_keeps_its_buffer_until_the_kernel_is_done() {
    if common::skip(false) {
        return;
    }
    let mut driver: Driver<Witness> = Driver::new(8, Submit::Batched).unwrap();
    let (ours, mut peer) = UnixStream::pair().unwrap();
    let (buf, dropped) = Witness::new(64);
    let recv = driver.recv(Token(1), ours.as_raw_fd(), buf).unwrap();
    driver.submit().unwrap();
    // The owner lets go, as a dropped future would. The cancel is pushed
    // but not submitted yet: the kernel may still write.
    driver.abandon(recv).unwrap();
    assert!(dropped.try_recv().is_err(), "not freed when abandoned");
    assert_eq!(driver.lent(), (1, 64));
    // Had the buffer been freed, allocations of its size would reuse it,
    // and the kernel's write would land in one of these.
    let decoys: Vec<Vec<u8>> = (0..64).map(|_| vec![0xAA; 64]).collect();
    peer.write_all(b"late data").unwrap();
    let got = run_until(&mut driver, |d, _| d.in_flight() == 1);
    assert!(got.is_empty(), "an abandoned operation reports nothing");
    let held = dropped.recv_timeout(Duration::from_secs(1)).unwrap();
    // Either the data came first (and went into the buffer, which was
    // still the kernel's), or the cancel did (and the data waits in the
    // socket).
    let late = &held[..9] == b"late data";
    assert!(late || held.iter().all(|&b| b == 0), "{held:?}");
    eprintln!("the kernel wrote into the abandoned buffer: {late}");
    assert!(
        decoys.iter().flatten().all(|&b| b == 0xAA),
        "no stray write"
    );
    assert_eq!(driver.lent(), (0, 0));
}

#[test]
fn a_driver_dropped_mid_operation_waits_for_the_kernel() {
    if common::skip(false) {
        return;
    }
    let mut driver: Driver<Witness> = Driver::new(8, Submit::Batched).unwrap();
    let (ours, _peer) = UnixStream::pair().unwrap();
    let (buf, dropped) = Witness::new(64);
    driver.recv(Token(1), ours.as_raw_fd(), buf).unwrap();
    driver.submit().unwrap();
    let start = Instant::now();
    drop(driver); // cancels, and waits for the recv's completion
    assert!(
        dropped.try_recv().is_ok(),
        "dropped with the driver, not leaked"
    );
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn closing_the_descriptor_does_not_end_a_recv() {
    if common::skip(false) {
        return;
    }
    let mut driver: Driver = Driver::new(8, Submit::Batched).unwrap();
    let (ours, mut peer) = UnixStream::pair().unwrap();
    let recv = driver
        .recv(Token(1), ours.as_raw_fd(), vec![0; 64])
        .unwrap();
    driver.submit().unwrap();
    drop(ours); // close(2): the request holds its own reference to the socket
    let tick = driver
        .timeout(Token(2), Duration::from_millis(100))
        .unwrap();
    let got = run_until(&mut driver, |_, got| got.iter().any(|c| c.op == tick));
    assert_eq!(got.len(), 1, "only the timer: the recv still waits");
    peer.write_all(b"still here").unwrap();
    let got = run_until(&mut driver, |_, got| !got.is_empty());
    assert_eq!(got[0].op, recv);
    assert_eq!(got[0].result.as_ref().ok(), Some(&10));
    assert_eq!(&got[0].buf.as_ref().unwrap()[..10], b"still here");
}

#[test]
fn a_buffer_that_lives_forever_can_be_lent_by_reference() {
    if common::skip(false) {
        return;
    }
    let forever: &'static mut [u8] =
        Box::leak(vec![0u8; 16].into_boxed_slice());
    let mut driver: Driver<&'static mut [u8]> =
        Driver::new(8, Submit::Batched).unwrap();
    let (ours, mut peer) = UnixStream::pair().unwrap();
    driver.recv(Token(1), ours.as_raw_fd(), forever).unwrap();
    peer.write_all(b"hello").unwrap();
    let got = run_until(&mut driver, |_, got| !got.is_empty());
    let buf = got.into_iter().next().unwrap().buf.unwrap();
    assert_eq!(&buf[..5], b"hello");
}
