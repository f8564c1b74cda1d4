//! The first sketch of a thread-per-connection echo server. Every `unwrap`
//! here is a way for one bad connection to take the whole server down; the
//! chapter replaces each of them.

// ANCHOR: all
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

fn main() {
    let listener = TcpListener::bind("127.0.0.1:7878").unwrap();
    for stream in listener.incoming() {
        let mut stream = stream.unwrap();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    break; // the client hung up
                }
                stream.write_all(&buf[..n]).unwrap();
            }
        });
    }
}
// ANCHOR_END: all
