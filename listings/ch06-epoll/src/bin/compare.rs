//! Memory per idle connection and echo throughput of three servers, in one
//! run: chapter 3's threads, chapter 5's green threads, and this chapter's
//! epoll loop. Each server runs in a child copy of this program.
//!
//! `compare [--idle 10000] [--connections 1000] [--messages 20]`

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;

use ch06_epoll::compare::{self, Kind};
use ch06_epoll::harness::args::Args;
use ch06_epoll::harness::load::LoadConfig;
use ch06_epoll::harness::{limits, machine, units};

fn run() -> io::Result<()> {
    let usage = |e| io::Error::new(io::ErrorKind::InvalidInput, e);
    let args =
        Args::from_env(&["idle", "connections", "messages"]).map_err(usage)?;
    let idle: usize = args.get_or("idle", 10_000).map_err(usage)?;
    let connections: usize = args.get_or("connections", 1000).map_err(usage)?;
    let messages: usize = args.get_or("messages", 20).map_err(usage)?;
    println!("{}", machine::line());
    // The client side of 10,000 connections needs 10,000 descriptors.
    limits::raise_fd_limit()?;
    println!(
        "each server runs alone in a child process; this one is the client"
    );

    println!("\n{idle} idle connections, each has echoed one byte:");
    for kind in Kind::ALL {
        let measured = compare::idle(kind, idle)?;
        println!(
            "  {}VmRSS {} per connection, memory maps {:.1} per connection, \
             server threads: {}",
            kind.label(),
            units::kib(measured.rss_per_connection_kib(idle)),
            measured.maps_per_connection(idle),
            measured.after.threads
        );
    }

    let config = LoadConfig {
        connections,
        messages,
        ..LoadConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)))
    };
    println!(
        "\n{connections} connections × {messages} messages of {} bytes, \
         {} client threads:",
        config.message_size, config.threads
    );
    for kind in Kind::ALL {
        let summary = compare::load(kind, &config)?;
        println!(
            "  {}{} msg/s, {} messages, connected in {} ms",
            kind.label(),
            units::grouped(summary.messages_per_sec(), 0),
            summary.messages_echoed,
            units::grouped(summary.connect_time.as_secs_f64() * 1e3, 1)
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    if let Some(served) = compare::serve_if_asked() {
        eprintln!("server: {served:?}");
        return ExitCode::FAILURE;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare: {e}");
            ExitCode::FAILURE
        }
    }
}
