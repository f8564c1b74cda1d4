//! A client played back against a [`Conn`], without I/O: what the tests,
//! the fuzz test and the book's examples use to see what the server would
//! send.

use std::time::Instant;

use super::conn::{Conn, Step};
use super::limits::Limits;
use super::request::Request;
use super::response::Response;
use super::status::Status;

/// What the client does once its chunks are all sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Nothing: it keeps the connection open.
    Wait,
    /// It closes its side (shuts down writing).
    Eof,
    /// Nothing, until the connection's deadline passes.
    Timeout,
}

/// What a connection did with a client's bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exchange {
    /// Every byte it wrote, in order.
    pub output: Vec<u8>,
    /// The requests its handler saw: `METHOD target`, then the body.
    pub requests: Vec<(String, Vec<u8>)>,
    /// The status it refused a request with, if it did.
    pub error: Option<Status>,
    /// Whether it closed the connection (otherwise it waits for input).
    pub closed: bool,
    /// The most memory its buffers held at once, in bytes.
    pub peak_memory: usize,
}

/// Feeds `chunks`, one read each, to a connection with `limits`, whose
/// requests `handler` answers, then does what `end` says.
pub fn replay(
    chunks: &[&[u8]],
    end: End,
    limits: &Limits,
    handler: impl Fn(&Request<'_>) -> Response,
) -> Exchange {
    let now = Instant::now();
    let mut conn = Conn::new(limits.clone());
    let mut chunks = chunks.iter();
    let mut seen = Exchange::default();
    let mut ended = false;
    loop {
        seen.peak_memory = seen.peak_memory.max(conn.memory());
        match conn.step(now) {
            Step::Request(request) => {
                let line = format!("{} {}", request.method(), request.target());
                seen.requests.push((line, request.body().to_vec()));
                let response = handler(&request);
                conn.respond(response);
            }
            Step::Write => {
                seen.output.extend_from_slice(conn.output());
                conn.written();
            }
            Step::Read(_) => match chunks.next() {
                Some(chunk) => conn.receive(chunk),
                None if ended || end == End::Wait => break,
                None => {
                    ended = true;
                    match end {
                        End::Eof => conn.eof(),
                        _ => conn.timed_out(),
                    }
                }
            },
            Step::Close => {
                seen.output.extend_from_slice(conn.output());
                seen.closed = true;
                break;
            }
        }
    }
    seen.error = conn.error();
    seen
}
