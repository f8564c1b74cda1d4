//! The thundering herd, with and without `EPOLLEXCLUSIVE`.
//! Usage: `herd [--threads 8] [--connections 4]`

use std::io;

use ch06_epoll::harness::args::Args;
use ch06_epoll::harness::machine;
use ch06_epoll::herd::{Herd, herd};

fn main() -> io::Result<()> {
    let usage = |e| io::Error::new(io::ErrorKind::InvalidInput, e);
    let args = Args::from_env(&["threads", "connections"]).map_err(usage)?;
    let threads: usize = args.get_or("threads", 8).map_err(usage)?;
    let connections: usize = args.get_or("connections", 4).map_err(usage)?;
    println!("{}", machine::line());
    println!(
        "{threads} threads, each with its own epoll instance, wait for one \
         listener; {connections} connections arrive one at a time"
    );
    for (label, exclusive) in [
        ("without EPOLLEXCLUSIVE:", false),
        ("with EPOLLEXCLUSIVE:   ", true),
    ] {
        let Herd {
            woken,
            wakeups,
            accepted,
            empty,
        } = herd(threads, connections, exclusive)?;
        println!(
            "  {label} {woken} threads woken, {wakeups} returned an event, \
             {accepted} accepted, {empty} found nothing"
        );
    }
    Ok(())
}
