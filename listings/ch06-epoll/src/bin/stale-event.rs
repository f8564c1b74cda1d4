//! A registration outlives its descriptor number: closed without
//! `EPOLL_CTL_DEL` while a copy of the descriptor lives on, a connection
//! still gets events, under its old token. Where do they go?
//! Usage: `stale-event`

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::Duration;

use ch06_epoll::poll::{Events, Interest, Mode, Poller, Token};
use ch06_epoll::slab::Slab;

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    // Two ways to name connections: by descriptor number, or by a slab
    // token. Each poller reports under one of them.
    let by_number = Poller::new()?;
    let by_token = Poller::new()?;
    let mut numbers: HashMap<RawFd, &str> = HashMap::new();
    let mut tokens: Slab<&str> = Slab::new();

    // ANCHOR: zombie
    let mut a_peer = TcpStream::connect(addr)?;
    let (a, _) = listener.accept()?;
    let a_number = a.as_raw_fd();
    numbers.insert(a_number, "A");
    let a_token = tokens.insert("A");
    register(&by_number, &a, Token(a_number as u64))?;
    register(&by_token, &a, a_token)?;
    println!("connection A registered with both pollers");
    let copy = a.try_clone()?; // as a forked child or a dup would hold
    println!("a copy of A's descriptor lives on, as after fork or dup");

    // A is closed without EPOLL_CTL_DEL, and B takes its number.
    let _b_peer = TcpStream::connect(addr)?;
    numbers.remove(&a_number);
    tokens.remove(a_token);
    drop(a);
    let (b, _) = listener.accept()?;
    let same = if b.as_raw_fd() == a_number {
        "yes"
    } else {
        "no"
    };
    println!("A closed without delete; B got A's descriptor number: {same}");
    numbers.insert(b.as_raw_fd(), "B");
    let b_token = tokens.insert("B");
    register(&by_number, &b, Token(b.as_raw_fd() as u64))?;
    register(&by_token, &b, b_token)?;

    a_peer.write_all(b"late")?;
    println!("A's peer sends 4 bytes; B's peer sends nothing");
    let mut events = Events::with_capacity(8);
    by_number.wait(&mut events, Some(Duration::from_millis(200)))?;
    for event in events.iter() {
        let owner = numbers.get(&(event.token.0 as RawFd));
        println!("  table keyed by number: event for {}", name(owner));
    }
    by_token.wait(&mut events, Some(Duration::from_millis(200)))?;
    for event in events.iter() {
        let owner = tokens.get(event.token);
        println!("  slab with generations: event for {}", name(owner));
    }
    // ANCHOR_END: zombie

    let e = by_token.delete(copy.as_fd()).unwrap_err();
    println!("deleting A's registration through the copy: {e}");
    drop(copy);
    a_peer.write_all(b"later").ok(); // A is fully closed: may be reset
    by_token.wait(&mut events, Some(Duration::from_millis(200)))?;
    println!(
        "once the copy is closed too: {} events",
        events.iter().count()
    );
    Ok(())
}

fn register(poller: &Poller, s: &TcpStream, token: Token) -> io::Result<()> {
    poller.add(s.as_fd(), token, Interest::READABLE, Mode::Level)
}

fn name(owner: Option<&&str>) -> String {
    owner.map_or("nobody: stale, dropped".into(), |o| format!("{o} (wrong!)"))
}
