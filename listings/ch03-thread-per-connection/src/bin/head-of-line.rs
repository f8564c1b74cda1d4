//! Head-of-line blocking in a thread pool, timed: two clients that connect and
//! then send nothing hold both workers of a pool, and a third client's echo
//! waits until one of them leaves. The same clients against one thread per
//! connection, for comparison.
//!
//! `head-of-line [--hold-ms 1000]`

use std::io::{self, Write};
use std::net::TcpListener;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ch03_thread_per_connection::accept::ServerHandle;
use ch03_thread_per_connection::client::{
    PATIENCE, connect, read_echo, round_trip, timed_out,
};
use ch03_thread_per_connection::harness::args::Args;
use ch03_thread_per_connection::{launch, pool, server};

const WORKERS: usize = 2;
const HELLO: &[u8] = b"hello";

fn ms(since: Instant) -> String {
    format!("{:.1} ms", since.elapsed().as_secs_f64() * 1e3)
}

// ANCHOR: scenario
/// Two idle clients, then a third that wants an echo. If it does not come
/// within `hold`, the first idle client leaves.
fn scenario(server: &ServerHandle, hold: Duration) -> io::Result<()> {
    let mut idle = Vec::new();
    for i in 1..=WORKERS {
        let mut client = connect(server.addr(), PATIENCE)?;
        round_trip(&mut client, b"hi")?;
        println!("  idle client {i}: echoed once, now sends nothing");
        idle.push(client);
    }
    let mut client = connect(server.addr(), PATIENCE)?;
    let sent = Instant::now();
    client.write_all(HELLO)?;
    println!("  client 3: sent \"hello\"");
    client.set_read_timeout(Some(hold))?;
    match read_echo(&mut client, HELLO) {
        Ok(()) => {
            println!("  client 3: echo arrived {} after sending", ms(sent))
        }
        Err(e) if timed_out(&e) => {
            println!("  client 3: no echo within {}", ms(sent));
            let left = Instant::now();
            drop(idle.remove(0));
            println!("  idle client 1: hangs up");
            client.set_read_timeout(Some(PATIENCE))?;
            read_echo(&mut client, HELLO)?;
            println!(
                "  client 3: echo arrived {} after sending, {} after idle client 1 left",
                ms(sent),
                ms(left)
            );
        }
        Err(e) => return Err(e),
    }
    Ok(()) // the clients hang up here, before the server is dropped
}
// ANCHOR_END: scenario

fn run(hold: Duration) -> io::Result<()> {
    println!("pool of {WORKERS} worker threads:");
    let pooled = pool::spawn(TcpListener::bind("127.0.0.1:0")?, WORKERS)?;
    scenario(&pooled, hold)?;
    println!("one thread per connection:");
    let threaded = server::spawn(TcpListener::bind("127.0.0.1:0")?)?;
    scenario(&threaded, hold)
}

fn main() -> ExitCode {
    let hold = Args::from_env(&["hold-ms"])
        .and_then(|args| args.get_or("hold-ms", 1000));
    let result = match hold {
        Ok(ms) => run(Duration::from_millis(ms)),
        Err(usage) => Err(io::Error::new(io::ErrorKind::InvalidInput, usage)),
    };
    launch::exit_code("head-of-line", result)
}
