//! The green echo server under many concurrent clients.

mod common;

use std::time::Duration;

use ch05_green_io::harness::limits::raise_fd_limit;
use ch05_green_io::harness::load::{self, LoadConfig};

/// Also under qemu-user (aarch64 CI) this takes a few seconds at most.
const CLIENTS: usize = 1000;

#[test]
fn every_byte_of_a_thousand_concurrent_clients_comes_back() {
    // 1,000 client sockets plus 1,000 server sockets: more than the usual
    // soft limit of 1,024 descriptors.
    raise_fd_limit().expect("raise RLIMIT_NOFILE");
    let addr = common::start_echo_server();
    let summary = load::run(&LoadConfig {
        connections: CLIENTS,
        messages: 20,
        message_size: 512,
        // All 1,000 connections are open at once, 100 of them mid-message.
        // (Not a thread per client: valgrind, in CI, allows 500 threads.)
        threads: 100,
        timeout: Duration::from_secs(20),
        ..LoadConfig::new(addr)
    });
    assert_eq!(summary.first_error, None);
    assert_eq!(summary.connections_made, CLIENTS as u64);
    // The load client compares every echoed byte with what it sent.
    assert_eq!(summary.messages_echoed, CLIENTS as u64 * 20);
}
