//! What the thread-per-connection server does at its limits, made
//! deterministic: the server (a child copy of this program) is started with
//! limits lowered on purpose, and this program plays its clients.
//!
//! 1. `--max-fds 8`: the server runs out of descriptors. `accept` fails with
//!    `EMFILE`; the server backs off and keeps serving the connections it has.
//! 2. `--max-new-threads 3`: the server runs out of room for thread stacks.
//!    `thread::Builder::spawn` fails; the server drops that one connection.

use std::io;
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use ch03_thread_per_connection::child::ServerProcess;
use ch03_thread_per_connection::client::{
    PATIENCE, closed_by_peer, connect, round_trip, timed_out,
};
use ch03_thread_per_connection::launch::{self, ServerOptions};
use ch03_thread_per_connection::machine;

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
            Err(e) if timed_out(&e) => format!("no echo within {} ms", wait.as_millis()),
            Err(e) if closed_by_peer(&e) => "closed by the server".to_string(),
            Err(e) => return Err(e),
        };
        println!("  client {}: {outcome}", self.number);
        Ok(())
    }

    /// Reads an echo that was held up earlier.
    fn late_echo(&mut self) -> io::Result<()> {
        self.stream.set_read_timeout(Some(PATIENCE))?;
        ch03_thread_per_connection::client::read_echo(&mut self.stream, b"hello")?;
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
    println!("\n2. The server has room for 3 more thread stacks (--max-new-threads 3)");
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

fn main() -> ExitCode {
    if let Some(exit) = launch::serve_if_asked() {
        return exit;
    }
    println!("{}", machine::line());
    println!("{}", machine::limit_lines());
    match out_of_descriptors().and_then(|()| out_of_threads()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("limits: {e}");
            ExitCode::FAILURE
        }
    }
}
