//! What the thread-per-connection server does at its limits, made
//! deterministic: the server (a child copy of this program) is started with
//! limits lowered on purpose, and this program plays its clients.
//!
//! 1. `--max-fds 8`: the server runs out of descriptors. `accept` fails with
//!    `EMFILE`; the server backs off and keeps serving the connections it has.
//! 2. `--max-new-threads 3`: the server runs out of room for thread stacks.
//!    `thread::Builder::spawn` fails; the server drops that one connection.
//! 3. `--max-connections 100000`: without its cap on connections, the server
//!    spawns threads until the process runs out of memory maps
//!    (`vm.max_map_count`), and std aborts the whole process.
//! 4. The default: the server refuses connections beyond a cap that keeps it
//!    below `vm.max_map_count`, and accepts again when a client leaves.

use std::io;
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitCode;
use std::time::Duration;

use ch03_thread_per_connection::child::ServerProcess;
use ch03_thread_per_connection::client::{
    PATIENCE, closed_by_peer, connect, read_echo, round_trip, timed_out,
};
use ch03_thread_per_connection::harness::{limits, machine};
use ch03_thread_per_connection::launch::{self, ServerOptions};

/// How long a client waits to conclude that no echo is coming.
const NO_ECHO_WAIT: Duration = Duration::from_millis(300);

/// A client of the demo, numbered as the output names it.
struct Client {
    number: usize,
    stream: TcpStream,
}

impl Client {
    fn connect(server: &ServerProcess, number: usize) -> io::Result<Self> {
        let stream = connect(server.addr(), PATIENCE)?;
        Ok(Client { number, stream })
    }

    /// Sends a message and says what became of it.
    fn echo(&mut self, wait: Duration) -> io::Result<()> {
        self.stream.set_read_timeout(Some(wait))?;
        let outcome = match round_trip(&mut self.stream, b"hello") {
            Ok(()) => "echoed".to_string(),
            Err(e) if timed_out(&e) => {
                format!("no echo within {} ms", wait.as_millis())
            }
            Err(e) if closed_by_peer(&e) => "closed by the server".to_string(),
            Err(e) => return Err(e),
        };
        println!("  client {}: {outcome}", self.number);
        Ok(())
    }

    /// Reads an echo that was held up earlier.
    fn late_echo(&mut self) -> io::Result<()> {
        self.stream.set_read_timeout(Some(PATIENCE))?;
        read_echo(&mut self.stream, b"hello")?;
        println!("  client {}: echoed at last", self.number);
        Ok(())
    }
}

/// Waits for the server's next log line and shows it.
fn show_log(server: &ServerProcess) -> io::Result<()> {
    println!("  server| {}", server.next_log_line(PATIENCE)?);
    Ok(())
}

fn connect_and_echo(
    server: &ServerProcess,
    numbers: std::ops::RangeInclusive<usize>,
    wait: Duration,
) -> io::Result<Vec<Client>> {
    numbers
        .map(|number| {
            let mut client = Client::connect(server, number)?;
            client.echo(wait)?;
            Ok(client)
        })
        .collect()
}

fn echo_again(clients: &mut [Client]) -> io::Result<()> {
    for client in clients {
        client.echo(PATIENCE)?;
    }
    Ok(())
}

/// Shows whatever the server logged that the demo did not expect, then stops it.
fn finish(server: ServerProcess) {
    for line in server.stop() {
        println!("  server| {line}");
    }
}

// ANCHOR: out_of_fds
fn out_of_descriptors() -> io::Result<()> {
    println!("\n1. The server may open 8 descriptors (--max-fds 8)");
    let options = ServerOptions {
        max_fds: Some(8),
        ..ServerOptions::threads("127.0.0.1:0")
    };
    let server = ServerProcess::start_self(&options, true)?;
    show_log(&server)?; // the limit, and how many are in use
    let mut served = connect_and_echo(&server, 1..=4, PATIENCE)?;
    let mut waiting = connect_and_echo(&server, 5..=6, NO_ECHO_WAIT)?;
    show_log(&server)?; // accept failed: EMFILE
    echo_again(&mut served)?;
    println!("  client 1: hangs up");
    drop(served.remove(0));
    show_log(&server)?; // accept recovered
    waiting[0].late_echo()?;
    show_log(&server)?; // EMFILE again, for client 6
    finish(server);
    Ok(())
}
// ANCHOR_END: out_of_fds

// ANCHOR: out_of_threads
fn out_of_threads() -> io::Result<()> {
    println!(
        "\n2. The server has room for 3 more thread stacks (--max-new-threads 3)"
    );
    let options = ServerOptions {
        max_new_threads: Some(3),
        ..ServerOptions::threads("127.0.0.1:0")
    };
    let server = ServerProcess::start_self(&options, true)?;
    show_log(&server)?; // the address-space limit
    let mut served = connect_and_echo(&server, 1..=3, PATIENCE)?;
    for number in 4..=5 {
        Client::connect(&server, number)?.echo(PATIENCE)?;
        show_log(&server)?; // spawn failed
    }
    echo_again(&mut served)?;
    println!("  client 1: hangs up");
    drop(served.remove(0));
    // Its thread's stack is free for the next thread once the thread is gone.
    server.wait_for_threads(1 + 2, PATIENCE)?;
    connect_and_echo(&server, 6..=6, PATIENCE)?;
    finish(server);
    Ok(())
}
// ANCHOR_END: out_of_threads

/// Stops parts 3 and 4 if the server never refuses (the descriptor limit is 20,000).
const MAX_CLIENTS: usize = 19_000;

/// Opens connections, each echoing once, until the server closes one.
/// Returns the ones that worked.
fn connect_until_refused(server: &ServerProcess) -> io::Result<Vec<Client>> {
    let mut clients = Vec::new();
    loop {
        if clients.len() == MAX_CLIENTS {
            return Err(io::Error::other(
                "the server never refused a connection",
            ));
        }
        let mut client = Client::connect(server, clients.len() + 1)?;
        match round_trip(&mut client.stream, b"x") {
            Ok(()) => clients.push(client),
            Err(e) if closed_by_peer(&e) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(clients)
}

// ANCHOR: out_of_maps
fn out_of_memory_maps() -> io::Result<()> {
    println!("\n3. No cap on connections (--max-connections 100000)");
    let options = ServerOptions {
        max_connections: Some(100_000),
        ..ServerOptions::threads("127.0.0.1:0")
    };
    let mut server = ServerProcess::start_self(&options, true)?;
    let clients = connect_until_refused(&server)?;
    // The exact count depends on the maps the server had at the start.
    let thousands = clients.len() / 1000 * 1000;
    println!("  more than {thousands} connections echoed, then one was closed");
    let status = server.wait_for_exit(PATIENCE)?;
    // Not `{status}`: it adds "(core dumped)" where `ulimit -c` keeps cores.
    match status.signal() {
        Some(libc::SIGABRT) => println!("  server process: aborted (SIGABRT)"),
        _ => println!("  server process: {status}"),
    }
    // The panic message names a thread id and a source line; show the rest.
    for line in server.stop() {
        if line.starts_with("failed to")
            || line.starts_with("fatal runtime error")
        {
            println!("  server| {line}");
        }
    }
    drop(clients);
    Ok(())
}
// ANCHOR_END: out_of_maps

// ANCHOR: capped
fn capped() -> io::Result<()> {
    println!("\n4. The default cap on connections, below vm.max_map_count");
    let server = ServerProcess::start_self(
        &ServerOptions::threads("127.0.0.1:0"),
        true,
    )?;
    let mut clients = connect_until_refused(&server)?;
    println!(
        "  {} connections echoed, then one was closed",
        clients.len()
    );
    show_log(&server)?; // refusing more
    println!("  client 1: hangs up");
    drop(clients.remove(0));
    server.wait_for_threads(1 + clients.len() as u64, PATIENCE)?;
    let mut next = Client::connect(&server, 0)?;
    round_trip(&mut next.stream, b"x")?;
    println!("  a new client: echoed");
    finish(server);
    Ok(())
}
// ANCHOR_END: capped

fn main() -> ExitCode {
    launch::measuring_main("limits", || {
        println!("{}", machine::line());
        println!("{}", machine::limit_lines());
        // Part 3 holds thousands of connections open from this process.
        limits::raise_fd_limit()
            .and_then(|_| out_of_descriptors())
            .and_then(|()| out_of_threads())
            .and_then(|()| out_of_memory_maps())
            .and_then(|()| capped())
    })
}
