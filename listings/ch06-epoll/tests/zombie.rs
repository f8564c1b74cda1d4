//! An epoll registration belongs to the open file description, not to the
//! descriptor number: while a copy of the descriptor lives (after `dup` or
//! `fork`), closing the original neither removes the registration nor
//! stops its events, which still carry the old token.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

use ch06_epoll::poll::{Events, Interest, Mode, Poller, Token};
use ch06_epoll::slab::Slab;

const WAIT: Option<Duration> = Some(Duration::from_millis(200));

#[test]
fn events_of_a_closed_but_duplicated_descriptor_carry_the_old_token() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let poller = Poller::new().unwrap();
    let mut events = Events::with_capacity(8);
    let mut owners: Slab<&str> = Slab::new();

    let mut first_peer = TcpStream::connect(addr).unwrap();
    let (first, _) = listener.accept().unwrap();
    let first_token = owners.insert("first");
    let fd = first.as_fd();
    poller
        .add(fd, first_token, Interest::READABLE, Mode::Level)
        .unwrap();
    // A copy of the descriptor, as a forked child would hold.
    let copy = first.try_clone().unwrap();

    // Closed without EPOLL_CTL_DEL: the copy keeps the registration alive.
    let _second_peer = TcpStream::connect(addr).unwrap();
    let number = first.as_raw_fd();
    owners.remove(first_token);
    drop(first);
    let (second, _) = listener.accept().unwrap();
    assert_eq!(second.as_raw_fd(), number, "the number is reused");
    let second_token = owners.insert("second");
    // Adding the same number again works: it is another open file.
    let fd = second.as_fd();
    poller
        .add(fd, second_token, Interest::READABLE, Mode::Level)
        .unwrap();

    // The first peer's bytes are reported, under the first token.
    first_peer.write_all(b"late").unwrap();
    poller.wait(&mut events, WAIT).unwrap();
    let reported: Vec<Token> = events.iter().map(|e| e.token).collect();
    assert_eq!(reported, [first_token]);
    assert_eq!(owners.get(first_token), None, "stale: dropped");

    // Nor can the copy remove it: the registration is keyed by the number
    // it was added under, and the copy has another number.
    let err = poller.delete(copy.as_fd()).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOENT), "{err}");
    // Only closing the last copy does.
    drop(copy);
    let _ = first_peer.write_all(b"later"); // may meet a reset by now
    poller.wait(&mut events, WAIT).unwrap();
    assert_eq!(events.iter().count(), 0);
}
