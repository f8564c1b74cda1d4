//! The load client counts what it did, and errors do not stop it.

use std::net::TcpListener;
use std::time::Duration;

use ch03_thread_per_connection::harness::load::{self, LoadConfig};
use ch03_thread_per_connection::server;

#[test]
fn every_message_is_echoed_and_counted() {
    let server =
        server::spawn(TcpListener::bind("127.0.0.1:0").unwrap()).unwrap();
    let config = LoadConfig {
        connections: 6,
        messages: 20,
        message_size: 5000,
        threads: 4,
        hold: Duration::from_millis(50),
        ..LoadConfig::new(server.addr())
    };
    let summary = load::run(&config);
    assert_eq!(summary.connections_made, 6);
    assert_eq!(summary.messages_echoed, 120);
    assert_eq!(summary.errors, 0, "{:?}", summary.first_error);
    assert!(summary.messages_per_sec() > 0.0);
}

#[test]
fn a_missing_server_counts_errors_instead_of_failing() {
    // Bind, then close: nothing listens on this port any more.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = LoadConfig {
        connections: 3,
        timeout: Duration::from_secs(1),
        ..LoadConfig::new(addr)
    };
    let summary = load::run(&config);
    assert_eq!(summary.connections_made, 0);
    assert_eq!(summary.messages_echoed, 0);
    assert_eq!(summary.errors, 3);
    assert!(summary.first_error.unwrap().starts_with("connect"));
}
