//! The readiness loop under a thousand concurrent clients.

use std::time::Duration;

use ch06_epoll::event_loop;
use ch06_epoll::harness::limits::raise_fd_limit;
use ch06_epoll::harness::load::{self, LoadConfig};
use ch06_epoll::launch::bind;

const CLIENTS: usize = 1000;
const MESSAGES: usize = 20;

#[test]
fn every_byte_of_a_thousand_concurrent_clients_comes_back() {
    // 1,000 client sockets plus 1,000 server sockets in this one process.
    raise_fd_limit().expect("raise RLIMIT_NOFILE");
    let server = event_loop::spawn(bind("127.0.0.1:0").unwrap()).unwrap();
    let summary = load::run(&LoadConfig {
        connections: CLIENTS,
        messages: MESSAGES,
        message_size: 512,
        // All 1,000 connections are open at once, 100 of them mid-message.
        threads: 100,
        timeout: Duration::from_secs(20),
        ..LoadConfig::new(server.addr())
    });
    assert_eq!(summary.first_error, None);
    assert_eq!(summary.connections_made, CLIENTS as u64);
    // The load client compares every echoed byte with what it sent.
    assert_eq!(summary.messages_echoed, (CLIENTS * MESSAGES) as u64);
    let stats = server.handle().stats();
    assert_eq!(stats.buffered, 0, "nothing is held once every echo is read");
    server.stop().expect("the loop ends cleanly");
}
