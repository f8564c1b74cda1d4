//! Messages per second through the green echo server. Starts the server as a
//! child process and drives it with chapter 3's load client (4 client
//! threads, 64-byte messages, one message in flight per client thread),
//! the same runs as chapter 3's `load-bench`. Usage: `echo-load`.

use std::io;

use ch05_green_io::harness::limits::raise_fd_limit;
use ch05_green_io::harness::load::{self, LoadConfig};
use ch05_green_io::harness::machine;
use ch05_green_io::server::{ServerProcess, serve_if_asked};

/// (connections, messages per connection)
/// The same runs as chapter 3's `load-bench`, so the figures compare.
const RUNS: [(usize, usize); 2] = [(100, 500), (1000, 50)];

fn main() -> io::Result<()> {
    if let Some(served) = serve_if_asked() {
        return served;
    }
    raise_fd_limit()?;
    println!("{}", machine::line());
    let server = ServerProcess::start()?;
    for (connections, messages) in RUNS {
        let config = LoadConfig {
            connections,
            messages,
            ..LoadConfig::new(server.addr())
        };
        println!(
            "\ngreen threads: {connections} connections × {messages} messages of {} bytes, \
             {} client threads",
            config.message_size, config.threads
        );
        let summary = load::run(&config);
        for line in summary.to_string().lines() {
            println!("  {line}");
        }
        if summary.errors > 0 {
            return Err(io::Error::other("the load run had errors"));
        }
    }
    Ok(())
}
