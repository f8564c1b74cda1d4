//! Ping-pong counts and checks its rounds, through pipes and channels.

use ch01_blocking_read::handoff::{
    self, ChannelEnd, Endpoint, PipeEnd, Placement,
};
use ch01_blocking_read::sys;
use std::io;

const ROUNDS: u64 = 1000;

#[test]
fn pipe_ping_pong_counts_hand_offs() {
    let report = handoff::ping_pong(
        handoff::pipe_pair().unwrap(),
        ROUNDS,
        Placement::Unpinned,
    )
    .unwrap();
    assert_eq!(report.hand_offs, 2 * ROUNDS);
    assert!(report.ns_per_hand_off() > 0.0);
    // Some hand-offs must have put a thread to sleep.
    assert!(report.switches.voluntary > 0);
}

#[test]
fn channel_ping_pong_counts_hand_offs() {
    let report = handoff::ping_pong(
        handoff::channel_pair(),
        ROUNDS,
        Placement::Unpinned,
    )
    .unwrap();
    assert_eq!(report.hand_offs, 2 * ROUNDS);
}

#[test]
fn pinned_to_one_cpu_every_hand_off_switches() {
    let cpu = sys::allowed_cpus().unwrap()[0];
    let report = handoff::ping_pong(
        handoff::pipe_pair().unwrap(),
        ROUNDS,
        Placement::SameCpu(cpu),
    )
    .unwrap();
    // On one CPU the other thread can only run if this one stops running.
    let switches = report.switches.voluntary + report.switches.involuntary;
    assert!(
        switches >= report.hand_offs,
        "{switches} switches for {} hand-offs",
        report.hand_offs
    );
}

/// An endpoint that garbles what it receives.
struct Liar(PipeEnd);

impl Endpoint for Liar {
    fn send(&mut self, byte: u8) -> io::Result<()> {
        self.0.send(byte)
    }
    fn recv(&mut self) -> io::Result<u8> {
        Ok(self.0.recv()?.wrapping_add(7))
    }
}

#[test]
fn a_wrong_answer_is_an_error_and_nothing_hangs() {
    let (a, b) = handoff::pipe_pair().unwrap();
    let error =
        handoff::ping_pong((Liar(a), Liar(b)), ROUNDS, Placement::Unpinned)
            .unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn a_vanished_peer_is_end_of_file() {
    let (mut a, b): (ChannelEnd, ChannelEnd) = handoff::channel_pair();
    drop(b);
    assert_eq!(a.recv().unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    let (mut a, b) = handoff::pipe_pair().unwrap();
    drop(b);
    assert_eq!(a.recv().unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
}

#[test]
fn pinning_to_a_missing_cpu_fails_cleanly() {
    let error = std::thread::spawn(|| sys::pin_to_cpu(1 << 20))
        .join()
        .unwrap()
        .unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn loopback_endpoints_never_wait() {
    // One thread, so a `recv` that waited would wait forever.
    let pipe = handoff::pipe_loopback().unwrap();
    assert!(handoff::without_waiting(pipe, ROUNDS).is_ok());
    let channel = handoff::channel_loopback();
    assert!(handoff::without_waiting(channel, ROUNDS).is_ok());
    assert!(handoff::bare_system_calls(ROUNDS) > std::time::Duration::ZERO);
}
