//! The ported echo server: the same lines as the binary, and a thousand
//! connections at once, every byte checked.

use std::time::Duration;

use ch12_reactor::background::Background;
use ch12_reactor::harness::limits;
use ch12_reactor::harness::load::{self, LoadConfig};
use ch12_reactor::{Builder, echo};

/// The lines between `// ANCHOR: loop` and `// ANCHOR_END: loop`.
fn accept_loop(file: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let start = text.find("// ANCHOR: loop").expect("the loop's anchor");
    let end = text.find("// ANCHOR_END: loop").expect("its end");
    text[start..end].to_string()
}

#[test]
fn the_librarys_loop_is_the_ported_binarys_line_for_line() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let binary = accept_loop(&format!("{dir}/src/bin/reactor-echo.rs"));
    let library = accept_loop(&format!("{dir}/src/echo.rs"));
    assert_eq!(library, binary);
}

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
