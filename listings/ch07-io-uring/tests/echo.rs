//! The completion loop under a thousand concurrent clients.

mod common;

use std::time::Duration;

use ch07_io_uring::driver::Submit;
use ch07_io_uring::harness::limits::raise_fd_limit;
use ch07_io_uring::harness::load::{self, LoadConfig};
use ch07_io_uring::launch::bind;
use ch07_io_uring::uring_loop::{self, Config};

const CLIENTS: usize = 1000;
const MESSAGES: usize = 20;

fn echo_everything(submit: Submit) {
    if common::skip(true) {
        return;
    }
    raise_fd_limit().expect("raise RLIMIT_NOFILE");
    let config = Config {
        submit,
        ..Config::default()
    };
    let server =
        uring_loop::spawn(bind("127.0.0.1:0").unwrap(), config).unwrap();
    let summary = load::run(&LoadConfig {
        connections: CLIENTS,
        messages: MESSAGES,
        message_size: 512,
        threads: 100,
        timeout: Duration::from_secs(20),
        ..LoadConfig::new(server.addr())
    });
    assert_eq!(summary.first_error, None);
    assert_eq!(summary.connections_made, CLIENTS as u64);
    assert_eq!(summary.messages_echoed, (CLIENTS * MESSAGES) as u64);
    let stats = server.handle().stats();
    assert_eq!(stats.lost, 0);
    server.stop().expect("the loop ends cleanly");
}

#[test]
fn every_byte_of_a_thousand_concurrent_clients_comes_back() {
    echo_everything(Submit::Batched);
}

#[test]
fn one_submission_per_system_call_echoes_the_same() {
    echo_everything(Submit::EachAtOnce);
}
