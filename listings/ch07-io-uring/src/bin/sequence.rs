//! One client, traced through the completion loop: connect, send
//! "hello", read the echo, close; then the server stops. Prints the
//! driver's trace as a mermaid sequence diagram.

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use ch07_io_uring::client::{PATIENCE, connect};
use ch07_io_uring::diagram;
use ch07_io_uring::launch::bind;
use ch07_io_uring::trace::{Event, Trace};
use ch07_io_uring::uring;
use ch07_io_uring::uring_loop::{self, Config};

/// Waits until the loop has taken `completions` completions in all and
/// is back in `io_uring_enter`, waiting: one step at a time, so that the
/// picture is the same on every run.
fn settle(trace: &Trace, completions: usize) -> io::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let events = trace.events();
        let done = events
            .iter()
            .filter(|e| matches!(e, Event::Completed { .. }))
            .count();
        let waiting =
            matches!(events.last(), Some(Event::Entering { waits: true }));
        if done >= completions && waiting {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(io::Error::other(format!("stuck: {events:?}")));
        }
        thread::sleep(Duration::from_millis(1));
    }
}

fn run() -> io::Result<()> {
    let trace = Trace::new();
    let config = Config {
        trace: Some(trace.clone()),
        ..Config::default()
    };
    let server = uring_loop::spawn(bind("127.0.0.1:0")?, config)?;
    settle(&trace, 0)?;
    trace.note("client: connect");
    let mut client = connect(server.addr(), PATIENCE)?;
    settle(&trace, 1)?;
    trace.note("client: send \"hello\"");
    client.write_all(b"hello")?;
    settle(&trace, 3)?;
    let mut echo = [0; 5];
    client.read_exact(&mut echo)?;
    trace.note("client: read \"hello\", close");
    drop(client);
    settle(&trace, 4)?;
    trace.note("Handle::stop writes to the eventfd");
    server.stop()?;
    let drawn = diagram::sequence(
        "One echo, traced from a run of the completion loop",
        "The loop submits a read of its eventfd and an accept, and waits. \
         The client connects: the accept completes, and the loop submits \
         a recv and a new accept in one call. The client sends hello: the \
         recv completes with 5 bytes, the loop submits a send, which \
         completes at once, then a recv. The client closes: the recv \
         completes with 0 bytes. To stop, the eventfd read completes, the \
         loop cancels the accept, and the cancel completes before the \
         cancelled accept does.",
        Some("client"),
        "the loop",
        &trace.events(),
    );
    print!("{drawn}");
    Ok(())
}

fn main() -> ExitCode {
    if let Some(why) = uring::unavailable() {
        println!("io_uring is not available here: {why}");
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sequence: {e}");
            ExitCode::FAILURE
        }
    }
}
