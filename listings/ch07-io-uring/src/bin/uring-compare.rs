//! System calls per message and messages per second: chapter 6's epoll
//! loop against this chapter's io_uring loop, batched and not, in one run.
//!
//! `compare [--connections 200] [--messages 20] [--threads 1,4,32]`

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use ch07_io_uring::bench::Bench;
use ch07_io_uring::compare::{self, Server};
use ch07_io_uring::harness::args::Args;
use ch07_io_uring::harness::{limits, machine, units};
use ch07_io_uring::uring;

fn run() -> io::Result<()> {
    let usage = |e| io::Error::new(io::ErrorKind::InvalidInput, e);
    let args = Args::from_env(&["connections", "messages", "threads"])
        .map_err(usage)?;
    let connections: usize = args.get_or("connections", 200).map_err(usage)?;
    let messages: usize = args.get_or("messages", 20).map_err(usage)?;
    let threads: String = args
        .get_or("threads", "1,4,32".to_string())
        .map_err(usage)?;
    let threads: Vec<usize> = threads
        .split(',')
        .map(|t| t.parse().map_err(|_| usage(format!("--threads {t}?"))))
        .collect::<io::Result<_>>()?;
    println!("{}", machine::line());
    if let Some(why) = uring::unavailable() {
        println!("io_uring is not available here: {why}; nothing to compare");
        return Ok(());
    }
    // Both ends of every connection live in this process.
    limits::raise_fd_limit()?;
    let (enter, wait) = compare::empty_calls(200_000)?;
    println!(
        "a system call with nothing to do: io_uring_enter {enter:.0} ns, \
         epoll_wait {wait:.0} ns"
    );
    println!("each server runs alone, on a thread of this process");
    let mut held = Vec::new();
    for threads in threads {
        let bench = Bench {
            connections,
            messages,
            message_size: 64,
            threads,
            timeout: Duration::from_secs(10),
        };
        let plural = if threads == 1 { "" } else { "s" };
        println!(
            "\n{connections} connections × {messages} messages of {} bytes, \
             {threads} client thread{plural}, one message in flight each:",
            bench.message_size
        );
        for server in Server::ALL {
            let row = compare::measure(server, &bench)?;
            if held.len() < Server::ALL.len() {
                held.push((server, row.held_when_idle));
            }
            let m = &row.measured;
            let calls: Vec<String> = server
                .calls()
                .iter()
                .map(|&call| {
                    let n = m.syscalls.get(call);
                    format!("{} {:.2}×", call.name(), m.syscalls_per_message(n))
                })
                .collect();
            let cpu = row.cpu.as_secs_f64() * 1e6 / m.messages.max(1) as f64;
            println!(
                "  {}{} msg/s, server CPU {:.1} µs per message, \
                 {:.2}× system calls per message ({})",
                server.label(),
                units::grouped(m.per_second(), 0),
                cpu,
                m.syscalls_per_message(m.syscalls.total()),
                calls.join(", ")
            );
        }
    }
    println!("\nheld for the {connections} connections while all were idle:");
    for (server, bytes) in held {
        let what = match server {
            Server::Epoll => "echoes not yet written",
            Server::Uring(_) => "buffers lent to the kernel",
        };
        let kib = units::kib(bytes as f64 / 1024.0);
        println!("  {}{kib}: {what}", server.label());
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare: {e}");
            ExitCode::FAILURE
        }
    }
}
