//! The load client: `load --addr 127.0.0.1:7878 --connections 100 --messages
//! 1000 [--size 64] [--threads 4] [--hold-secs 0] [--timeout-secs 5]`.
//! Prints progress every second on long runs when standard error is a terminal.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use ch03_thread_per_connection::harness::args::Args;
use ch03_thread_per_connection::harness::load::{self, LoadConfig};

const FLAGS: &[&str] = &[
    "addr",
    "connections",
    "messages",
    "size",
    "threads",
    "hold-secs",
    "timeout-secs",
];

fn config() -> Result<LoadConfig, String> {
    let args = Args::from_env(FLAGS)?;
    let addr: SocketAddr =
        args.get_or("addr", SocketAddr::from(([127, 0, 0, 1], 7878)))?;
    let defaults = LoadConfig::new(addr);
    Ok(LoadConfig {
        connections: args.get_or("connections", defaults.connections)?,
        messages: args.get_or("messages", defaults.messages)?,
        message_size: args.get_or("size", defaults.message_size)?,
        threads: args.get_or("threads", defaults.threads)?,
        hold: Duration::from_secs(args.get_or("hold-secs", 0)?),
        timeout: Duration::from_secs(args.get_or("timeout-secs", 5)?),
        progress_every: std::io::stderr()
            .is_terminal()
            .then_some(Duration::from_secs(1)),
        ..defaults
    })
}

fn main() -> ExitCode {
    let config = match config() {
        Ok(config) => config,
        Err(usage) => {
            eprintln!("load: {usage}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "load: {} connections × {} messages of {} bytes to {}, {} client threads",
        config.connections,
        config.messages,
        config.message_size,
        config.addr,
        config.threads.clamp(1, config.connections.max(1))
    );
    if !config.hold.is_zero() {
        println!(
            "holding the connections idle for {} s after the last message",
            config.hold.as_secs()
        );
    }
    let summary = load::run(&config);
    println!("{summary}");
    if summary.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
