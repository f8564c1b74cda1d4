//! Predict the output: an edge-triggered registration, and a reader that
//! takes five bytes per event.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ch06_epoll::poll::{Events, Interest, Mode, Poller, Token};

fn main() -> std::io::Result<()> {
    let (mut reader, mut peer) = UnixStream::pair()?;
    reader.set_nonblocking(true)?;
    let poller = Poller::new()?;
    poller.add(reader.as_fd(), Token(1), Interest::READABLE, Mode::Edge)?;
    let mut events = Events::with_capacity(4);
    let mut buf = [0; 5];
    for sent in ["hello world", "", "!", ""] {
        peer.write_all(sent.as_bytes())?;
        let timeout = Some(Duration::from_millis(50));
        if poller.wait(&mut events, timeout)? == 0 {
            println!("sent {sent:?}: no event");
        } else {
            let n = reader.read(&mut buf)?;
            let got = String::from_utf8_lossy(&buf[..n]);
            println!("sent {sent:?}: event, read {got:?}");
        }
    }
    Ok(())
}
