//! Whose buffer is it? Two receives through the driver, traced: one
//! cancelled while it waits, one abandoned (as a dropped future would be)
//! just before its data arrives. Prints a mermaid sequence diagram.

use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

use ch07_io_uring::diagram;
use ch07_io_uring::driver::{Driver, Submit};
use ch07_io_uring::poll::Token;
use ch07_io_uring::trace::Trace;
use ch07_io_uring::uring;

// ANCHOR: run
fn run() -> io::Result<()> {
    let trace = Trace::new();
    let mut driver: Driver = Driver::new(8, Submit::Batched)?;
    driver.set_trace(trace.clone());
    let (ours, mut peer) = UnixStream::pair()?;
    let fd = ours.as_raw_fd();
    let lent = |d: &Driver| match d.lent() {
        (0, _) => "table: holds no buffer".to_string(),
        (n, bytes) => {
            format!("table: holds {n} buffer ({bytes} B) for the kernel")
        }
    };

    trace.note("call: recv(fd, a 16-byte Vec)");
    let recv = driver.recv(Token(1), fd, vec![0; 16])?;
    trace.note(lent(&driver));
    driver.submit()?;
    trace.note("call: cancel(recv)");
    driver.cancel(recv)?;
    driver.wait()?;
    while let Some(done) = driver.reap() {
        if let Some(buf) = done.buf {
            trace.note(format!("back: the {}-byte Vec", buf.len()));
        }
        trace.note(lent(&driver));
    }

    trace.note("call: recv(fd, another Vec), then abandon(recv)");
    let recv = driver.recv(Token(2), fd, vec![0; 16])?;
    driver.submit()?;
    driver.abandon(recv)?; // its cancel is pushed, not yet submitted
    trace.note(lent(&driver));
    trace.note("the peer sends \"late data\"");
    peer.write_all(b"late data")?;
    while driver.reap().is_some() {} // abandoned: nothing is reported...
    trace.note(lent(&driver));
    driver.wait()?;
    while driver.reap().is_some() {} // ...nor for its cancel
    // ANCHOR_END: run

    print!(
        "{}",
        diagram::sequence(
            "Who owns a buffer, traced from a run of the driver",
            "A recv takes a 16-byte vector into the driver's table. A cancel \
             is submitted; its own completion comes first, and the table \
             still holds the buffer until the recv completes with \
             ECANCELED, which hands the vector back. A second recv is \
             abandoned, and data arrives before its cancel is submitted: \
             the kernel completes the recv into the buffer the table still \
             holds, the table drops it, and the cancel finds nothing.",
            Some("your code"),
            "the driver's table",
            &trace.events(),
        )
    );
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
            eprintln!("ownership: {e}");
            ExitCode::FAILURE
        }
    }
}
