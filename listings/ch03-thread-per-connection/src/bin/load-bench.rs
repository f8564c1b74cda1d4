//! Messages per second through each server under the load client: the
//! servers run as child processes (copies of this program), the load client
//! runs here.
//!
//! `load-bench`

use std::io;
use std::process::ExitCode;

use ch03_thread_per_connection::child::ServerProcess;
use ch03_thread_per_connection::harness::load::{self, LoadConfig};
use ch03_thread_per_connection::harness::{limits, machine};
use ch03_thread_per_connection::launch::{self, ServerOptions};

/// Each run sends this many messages in all.
const MESSAGES: usize = 50_000;

// ANCHOR: bench
fn bench(
    name: &str,
    workers: Option<usize>,
    connections: usize,
) -> io::Result<()> {
    let options = ServerOptions {
        workers,
        ..ServerOptions::threads("127.0.0.1:0")
    };
    let server = ServerProcess::start_self(&options, false)?;
    let config = LoadConfig {
        connections,
        messages: MESSAGES / connections,
        ..LoadConfig::new(server.addr())
    };
    println!(
        "\n{name}: {} connections × {} messages of {} bytes, {} client threads",
        config.connections,
        config.messages,
        config.message_size,
        config.threads
    );
    let summary = load::run(&config);
    for line in summary.to_string().lines() {
        println!("  {line}");
    }
    Ok(())
}
// ANCHOR_END: bench

fn run() -> io::Result<()> {
    println!("{}", machine::line());
    limits::raise_fd_limit()?;
    bench("one thread per connection", None, 4)?;
    bench("pool of 4 threads", Some(4), 4)?;
    bench("one thread per connection", None, 100)?;
    bench("one thread per connection", None, 1000)
}

fn main() -> ExitCode {
    launch::measuring_main("load-bench", run)
}
