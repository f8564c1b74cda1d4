//! The callback echo server: many clients with 64-byte messages, every byte
//! checked; a client that sends much more than it reads gets it all back.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use ch08_callbacks::client;
use ch08_callbacks::harness::load::{self, LoadConfig};
use ch08_callbacks::launch;

#[test]
fn every_byte_of_many_clients_comes_back() {
    let listener = launch::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = launch::spawn_echo(listener).unwrap();
    let summary = load::run(&LoadConfig {
        connections: 200,
        messages: 50,
        message_size: 64,
        threads: 8,
        timeout: Duration::from_secs(10),
        ..LoadConfig::new(addr)
    });
    assert_eq!(summary.first_error, None);
    assert_eq!(summary.messages_echoed, 200 * 50);
    assert_eq!(server.stop().unwrap().panics, 0);
}

#[test]
fn a_client_that_reads_late_gets_every_byte_back_in_order() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = launch::spawn_echo(listener.try_clone().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut s = client::connect(addr, client::PATIENCE).unwrap();
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    let mut writer = s.try_clone().unwrap();
    let sent = data.clone();
    // Writes everything before reading anything: the server's buffer fills,
    // it stops reading, the kernel's buffers fill, this write waits.
    let sender = thread::spawn(move || {
        writer.write_all(&sent).unwrap();
        writer.shutdown(std::net::Shutdown::Write).unwrap();
    });
    thread::sleep(Duration::from_millis(200));
    let mut back = Vec::new();
    s.read_to_end(&mut back).unwrap(); // the server closes after the echo
    sender.join().unwrap();
    assert!(back == data, "{} bytes back of {}", back.len(), data.len());
    drop(server);
}
