//! The echo server with an idle timeout per connection, as a process: it
//! prints `listening on ADDR`, then serves until it is killed.
//! Usage: `idle-echo [--port 0] [--idle-ms 10000] [--max-fds N]`.

use std::io::{self, Write};
use std::time::Duration;

use ch13_timers::harness::{args::Args, limits};
use ch13_timers::net::{self, TcpListener};
use ch13_timers::{Runtime, idle_echo};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::from_env(&["port", "idle-ms", "max-fds"])?;
    let port: u16 = args.get_or("port", 0)?;
    let idle = Duration::from_millis(args.get_or("idle-ms", 10_000)?);
    match args.get::<u64>("max-fds")? {
        Some(max) => limits::lower_fd_limit(max)?,
        None => limits::raise_fd_limit()?,
    };
    let runtime = Runtime::new()?;
    runtime.block_on(async {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        net::socket::listen(&listener)?;
        println!("listening on {}", listener.local_addr()?);
        io::stdout().flush()?;
        let listener = TcpListener::from_std(listener)?;
        idle_echo::serve(listener, idle).await
    })?;
    Ok(())
}
