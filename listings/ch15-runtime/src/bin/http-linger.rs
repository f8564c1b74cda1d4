//! Why a server that closes a connection shuts down writing and drains
//! first. A client sends 1000 bytes; the server reads 10 of them (as it
//! would of a refused request), queues a response larger than the client's
//! receive window, and closes: plainly; plainly, but after reading the rest
//! of the input; or with a lingering close. Then the client reads what
//! reaches it. Usage: `http-linger`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ch15_runtime::harness;

const TIMEOUT: Duration = Duration::from_secs(5);
/// The most the server queues: more than any socket buffer holds.
const MOST: usize = 64 * 1024 * 1024;

fn main() {
    println!("{}", harness::machine::line());
    for close in [Close::Plain, Close::AfterReading, Close::Lingering] {
        let name = match close {
            Close::Plain => "plain close:",
            Close::AfterReading => "input read, then plain close:",
            Close::Lingering => "lingering close:",
        };
        match exchange(close) {
            Ok((queued, read, end)) => println!(
                "{name:<30} server queued {queued} bytes, \
                 client read {read} bytes, then {end}"
            ),
            Err(e) => {
                eprintln!("{name}: {e}");
                std::process::exit(1);
            }
        }
    }
}

/// How the server ends the connection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Close {
    /// `close` with input unread.
    Plain,
    /// `close` once all input has been read.
    AfterReading,
    /// Shut down writing, read until the client closes, then `close`.
    Lingering,
}

// ANCHOR: exchange
/// Returns the bytes the server queued, the bytes the client read, and how
/// the client's reading ended.
fn exchange(close: Close) -> io::Result<(usize, usize, String)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    client.set_read_timeout(Some(TIMEOUT))?;
    client.write_all(&[b'x'; 1000])?; // a request the server half reads
    let (mut server, _) = listener.accept()?;
    server.set_read_timeout(Some(TIMEOUT))?;
    server.read_exact(&mut [0; 10])?;
    let queued = fill(&server)?; // a response larger than the client takes
    let closer = match close {
        Close::Plain => {
            drop(server); // close, with 990 bytes unread
            None
        }
        Close::AfterReading => {
            server.read_exact(&mut [0; 990])?;
            drop(server); // close, with nothing unread
            None
        }
        Close::Lingering => Some(thread::spawn(move || -> io::Result<()> {
            server.shutdown(Shutdown::Write)?; // FIN after the response
            while server.read(&mut [0; 4096])? > 0 {} // drain until EOF
            Ok(()) // then close
        })),
    };
    let mut read = 0;
    let mut buf = vec![0; 64 * 1024];
    let end = loop {
        match client.read(&mut buf) {
            Ok(0) => break "the end of input".to_string(),
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                break "a reset".to_string();
            }
            Err(e) => return Err(e),
        }
    };
    drop(client);
    if let Some(closer) = closer {
        closer.join().expect("the closing thread panicked")?;
    }
    Ok((queued, read, end))
}
// ANCHOR_END: exchange

/// Writes to `stream` until the kernel takes no more without waiting.
fn fill(mut stream: &TcpStream) -> io::Result<usize> {
    stream.set_nonblocking(true)?;
    let chunk = vec![b'y'; 64 * 1024];
    let mut queued = 0;
    while queued < MOST {
        match stream.write(&chunk) {
            Ok(n) => queued += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    stream.set_nonblocking(false)?;
    Ok(queued)
}
