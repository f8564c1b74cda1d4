//! A stale event, one whose connection has been closed since, never
//! reaches the connection that now has the same descriptor number.
//!
//! One test per file: each relies on the kernel handing out the lowest free
//! descriptor number, which other tests running at the same time would
//! disturb.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

use ch06_epoll::poll::{Events, Interest, Mode, Poller, Token};
use ch06_epoll::slab::Slab;

const WAIT: Option<Duration> = Some(Duration::from_millis(200));

fn slot(token: Token) -> u32 {
    token.0 as u32
}

#[test]
fn a_stale_event_never_reaches_the_new_owner_of_a_reused_descriptor() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let poller = Poller::new().unwrap();
    let mut events = Events::with_capacity(8);
    let mut owners: Slab<&str> = Slab::new();

    // The first connection, registered; its peer sends, and `wait`
    // reports it. The event is now pending in `events`.
    let mut first_peer = TcpStream::connect(addr).unwrap();
    let (first, _) = listener.accept().unwrap();
    let first_token = owners.insert("first");
    let fd = first.as_fd();
    poller
        .add(fd, first_token, Interest::READABLE, Mode::Level)
        .unwrap();
    first_peer.write_all(b"for the first owner").unwrap();
    poller.wait(&mut events, WAIT).unwrap();
    let pending: Vec<Token> = events.iter().map(|e| e.token).collect();
    assert_eq!(pending, [first_token]);

    // Before the loop gets to that event, the first connection closes,
    // properly: deregistered, then dropped.
    let _second_peer = TcpStream::connect(addr).unwrap();
    let number = first.as_raw_fd();
    owners.remove(first_token);
    poller.delete(first.as_fd()).unwrap();
    drop(first);
    // The next connection gets the same descriptor number and the same
    // slot of the table, under a new generation.
    let (second, _) = listener.accept().unwrap();
    assert_eq!(second.as_raw_fd(), number, "the number is reused");
    let second_token = owners.insert("second");
    assert_eq!(slot(second_token), slot(first_token), "so is the slot");
    assert_ne!(second_token, first_token);
    let fd = second.as_fd();
    poller
        .add(fd, second_token, Interest::READABLE, Mode::Level)
        .unwrap();

    // The pending event finds no owner: it is dropped, not misdelivered.
    let delivered: Vec<&str> = events
        .iter()
        .filter_map(|e| owners.get(e.token))
        .copied()
        .collect();
    assert_eq!(delivered, Vec::<&str>::new());
}
