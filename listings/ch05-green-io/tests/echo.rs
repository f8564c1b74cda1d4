//! The green echo server under many concurrent clients.

mod common;

use std::time::Duration;

use ch05_green_io::load::Load;
use ch05_green_io::measure::raise_fd_limit;

/// Also under qemu-user (aarch64 CI) this takes a few seconds at most.
const CLIENTS: usize = 1000;

#[test]
fn every_byte_of_a_thousand_concurrent_clients_comes_back() {
    // 1,000 client sockets plus 1,000 server sockets: more than the usual
    // soft limit of 1,024 descriptors.
    raise_fd_limit().expect("raise RLIMIT_NOFILE");
    let addr = common::start_echo_server();
    let summary = Load {
        addr,
        connections: CLIENTS,
        messages: 20,
        message_len: 512,
        hold: Duration::from_millis(200),
        timeout: Duration::from_secs(20),
    }
    .run()
    .expect("load run");
    assert_eq!(summary.messages, CLIENTS * 20);
    assert_eq!(summary.bytes, CLIENTS * 20 * 512);
}
