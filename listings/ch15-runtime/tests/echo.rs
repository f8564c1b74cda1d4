//! The ported echo server: a thousand connections at once, every byte
//! checked.

use std::time::Duration;

use ch15_runtime::background::Background;
use ch15_runtime::harness::limits;
use ch15_runtime::harness::load::{self, LoadConfig};
use ch15_runtime::{Builder, echo};

#[test]
fn a_thousand_connections_at_once_are_all_echoed() {
    // 1,000 connections on both sides of one process.
    limits::raise_fd_limit().unwrap();
    let server =
        Background::start(Builder::new_current_thread(), echo::serve).unwrap();
    let summary = load::run(&LoadConfig {
        connections: 1000,
        messages: 20,
        message_size: 512,
        threads: 100,
        timeout: Duration::from_secs(10),
        ..LoadConfig::new(server.addr())
    });
    assert_eq!(summary.errors, 0, "{:?}", summary.first_error);
    assert_eq!(summary.connections_made, 1000);
    assert_eq!(summary.messages_echoed, 1000 * 20);
    // Every connection closed: only the accept loop and its listener left.
    let figures = server
        .wait_for(Duration::from_secs(5), |f| f.live_tasks == 1)
        .unwrap();
    assert_eq!((figures.live_tasks, figures.registrations), (1, 1));
}
