//! Who wakes whom, traced from a real run and printed as the mermaid
//! sequence diagram the chapter shows. Green thread 0 reads a socket whose
//! peer (an OS thread) writes after 200 ms; green thread 1 takes two turns
//! meanwhile. Usage: `trace`.

use std::io::{self, Read, Write};
use std::net;
use std::thread;
use std::time::Duration;

use ch05_green_io::net::TcpStream;
use ch05_green_io::{run, spawn, trace, yield_now};

const PEER_DELAY: Duration = Duration::from_millis(200);

fn main() -> io::Result<()> {
    let listener = net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let peer = thread::spawn(move || -> io::Result<()> {
        let mut stream = net::TcpStream::connect(addr)?;
        thread::sleep(PEER_DELAY);
        stream.write_all(b"hello")
    });
    let (socket, _) = listener.accept()?;

    trace::start();
    run(move || -> io::Result<()> {
        let ticker = spawn(|| {
            trace::record(|| {
                "Note over G1: a turn, then yield_now".to_string()
            });
            yield_now();
            trace::record(|| {
                "Note over G1: another turn, then it returns".to_string()
            });
        });
        let stream = TcpStream::from_std(socket)?;
        let read = (&stream).read(&mut [0; 16])?;
        assert!(read > 0, "the peer sent data");
        ticker
            .join()
            .map_err(|_| io::Error::other("ticker panicked"))
    })?;
    let events = trace::stop();
    peer.join()
        .map_err(|_| io::Error::other("peer panicked"))??;

    println!("sequenceDiagram");
    println!("    accTitle: Who wakes whom, traced from a run");
    println!(
        "    accDescr: Green thread 0 reads a socket, gets EAGAIN, registers with the \
         netpoller and parks. Green thread 1 takes its turns while the scheduler polls epoll \
         with a zero timeout between rounds. With nothing left to run, the scheduler blocks \
         in epoll_wait until the socket becomes readable, wakes green thread 0, and its read \
         returns the data."
    );
    let participants = [
        ("G0", "green thread 0 (reader)"),
        ("G1", "green thread 1"),
        ("S", "scheduler loop"),
        ("N", "netpoller"),
        ("K", "kernel"),
    ];
    for (id, name) in participants {
        println!("    participant {id} as {name}");
    }
    for line in events.iter().flat_map(|event| event.lines()) {
        println!("    {line}");
    }
    Ok(())
}
