//! The same file server written the way chapter 3 wrote servers: a thread
//! per connection and blocking calls, so its plan reads top to bottom. It
//! is here to compare with [`crate::files`], and the tests run the same
//! checks against both.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use crate::accept::{ServerHandle, accept_loop};
use crate::client::timed_out;
use crate::nbio::peer_went_away;
use crate::protocol::{self, Config, MAX_REQUEST};

// ANCHOR: serve_client
/// One connection, start to end.
pub fn serve_client(stream: &TcpStream, config: &Config) -> io::Result<()> {
    stream.set_read_timeout(Some(config.idle))?;
    let mut requests = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        // 1. Wait for a request line, or give up after `idle`.
        line.clear();
        let limit = MAX_REQUEST as u64;
        match (&mut requests).take(limit).read_until(b'\n', &mut line) {
            Ok(_) => {}
            Err(e) if timed_out(&e) => return Ok(()), // idle
            Err(e) => return Err(e),
        }
        if line.pop() != Some(b'\n') {
            return Ok(()); // the client left, or its line is too long
        }
        // 2. Read the file it names.
        let answer = protocol::answer(&config.dir, &line);
        // 3. Write the answer.
        let mut writer = stream;
        writer.write_all(&answer)?;
    } // 4. Go back to 1.
}
// ANCHOR_END: serve_client

/// Serves on `listener` with a thread per connection, on a thread of its
/// own; dropping the handle stops accepting.
pub fn spawn(
    listener: TcpListener,
    config: Config,
) -> io::Result<ServerHandle> {
    let config = Arc::new(config);
    ServerHandle::spawn(listener, move |listener, stop| {
        accept_loop(listener, stop, |stream, _peer| {
            let config = Arc::clone(&config);
            let spawned = thread::Builder::new().spawn(move || {
                match serve_client(&stream, &config) {
                    Err(e) if !peer_went_away(&e) => {
                        eprintln!("connection failed: {e}");
                    }
                    _ => {}
                }
            });
            if let Err(e) = spawned {
                eprintln!("cannot start a thread: {e}");
            }
        })
    })
}
