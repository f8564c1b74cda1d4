//! Chapter 6's readiness loop and tokio's echo server on this chapter's
//! reactor, measured side by side: memory per idle connection, messages
//! per second under the harness's load client, and the reactor's system
//! calls per echoed message, for edge-triggered and one-shot
//! registrations.
//!
//! `reactor-compare [--idle 2000] [--connections 1000] [--messages 20]`

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;

use ch12_reactor::background::{Background, Figures};
use ch12_reactor::bench::{self, Bench};
use ch12_reactor::client::PATIENCE;
use ch12_reactor::compare::{self, Kind};
use ch12_reactor::count::{Counts, Syscall};
use ch12_reactor::harness::args::Args;
use ch12_reactor::harness::load::LoadConfig;
use ch12_reactor::harness::{limits, machine, units};
use ch12_reactor::net::TcpStream;
use ch12_reactor::reactor::table::Slot;
use ch12_reactor::task::header::Header;
use ch12_reactor::{Builder, echo};

/// One way to run the reactor's echo server, for the counts.
struct Setup {
    label: &'static str,
    oneshot: bool,
    buffer: usize,
}

const SETUPS: [Setup; 3] = [
    Setup {
        label: "edge-triggered, 1 KiB buffer ",
        oneshot: false,
        buffer: 1024,
    },
    Setup {
        label: "edge-triggered, 64 B buffer  ",
        oneshot: false,
        buffer: 64,
    },
    Setup {
        label: "one-shot, 1 KiB buffer       ",
        oneshot: true,
        buffer: 1024,
    },
];

/// Load runs per server.
const RUNS: usize = 3;

fn start(setup: &Setup) -> io::Result<Background> {
    let mut builder = Builder::new_current_thread();
    builder.oneshot_registrations(setup.oneshot);
    if setup.buffer == 64 {
        Background::start(builder, compare::echo_sized::<64>)
    } else {
        Background::start(builder, echo::serve)
    }
}

/// Per message, as `2.07× per message: read 1.00×, …`.
fn per_message(counts: Counts, messages: u64) -> String {
    let per = |n: u64| format!("{:.2}×", n as f64 / messages.max(1) as f64);
    let calls = [
        Syscall::Read,
        Syscall::Write,
        Syscall::EpollWait,
        Syscall::EpollCtl,
    ];
    let each: Vec<String> = calls
        .iter()
        .map(|&call| format!("{} {}", call.name(), per(counts.get(call))))
        .collect();
    format!("{} per message: {}", per(counts.total()), each.join(", "))
}

fn run() -> io::Result<()> {
    let usage = |e| io::Error::new(io::ErrorKind::InvalidInput, e);
    let args =
        Args::from_env(&["idle", "connections", "messages"]).map_err(usage)?;
    let idle: usize = args.get_or("idle", 2000).map_err(usage)?;
    let connections: usize = args.get_or("connections", 1000).map_err(usage)?;
    let messages: usize = args.get_or("messages", 20).map_err(usage)?;
    println!("{}", machine::line());
    limits::raise_fd_limit()?;
    println!(
        "each server runs alone in a child process; this one is the client"
    );

    println!("\n{idle} idle connections, each has echoed one byte:");
    for kind in [Kind::Epoll, Kind::Reactor, Kind::Small] {
        let measured = compare::idle(kind, idle)?;
        println!(
            "  {}VmRSS {} per connection",
            kind.label(),
            units::kib(measured.rss_per_connection_kib(idle)),
        );
    }
    println!(
        "  the reactor's own share: a {} B slot in its table; in the task, \
         a {} B header and a {} B TcpStream",
        size_of::<Slot>(),
        size_of::<Header>(),
        size_of::<TcpStream>()
    );

    let config = LoadConfig {
        connections,
        messages,
        ..LoadConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)))
    };
    println!(
        "\n{connections} connections × {messages} messages of {} bytes, \
         {} client threads (the harness's load client), the best of {RUNS} \
         runs each, the two servers taking turns:",
        config.message_size, config.threads
    );
    // Other processes on a shared machine can only slow a run down: the
    // best of a few, taken in turns, is the fairest figure of each.
    let mut best = [0.0f64; 2];
    for _ in 0..RUNS {
        for (kind, best) in Kind::ALL.into_iter().zip(&mut best) {
            let summary = compare::load(kind, &config)?;
            *best = best.max(summary.messages_per_sec());
        }
    }
    for (kind, best) in Kind::ALL.into_iter().zip(best) {
        println!("  {}{} msg/s", kind.label(), units::grouped(best, 0));
    }

    let bench = Bench {
        connections,
        messages: messages / 2,
        message_size: 64,
        threads: 4,
    };
    println!(
        "\nthe reactor's system calls, counted in its wrappers, while \
         {connections} open connections echo {} messages of 64 bytes each \
         (server on a thread of this process):",
        bench.messages
    );
    for setup in &SETUPS {
        let server = start(setup)?;
        let mut readings = Vec::new();
        let (echoed, took) = bench::run(server.addr(), &bench, || {
            // Every connection accepted and registered (and the listener).
            let all = |f: &Figures| f.registrations > connections;
            readings.push(server.wait_for(PATIENCE, all).map(|f| f.counts));
        })?;
        let [Ok(before), Ok(after)] = <[_; 2]>::try_from(readings)
            .map_err(|_| io::Error::other("two readings expected"))?
        else {
            return Err(io::Error::other("the server did not answer"));
        };
        let rate = echoed as f64 / took.as_secs_f64().max(1e-9);
        println!(
            "  {}{}, {} msg/s",
            setup.label,
            per_message(after - before, echoed),
            units::grouped(rate, 0)
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
            eprintln!("reactor-compare: {e}");
            ExitCode::FAILURE
        }
    }
}
