//! One connection's HTTP/1.1, as a state machine that does no I/O.
//!
//! [`Conn`] owns the connection's input buffer and its pending output, and
//! its driver asks it, over and over, what to do next ([`Conn::step`]):
//!
//! - [`Step::Request`]: a whole request is in the buffer; call the handler
//!   and give its response to [`Conn::respond`];
//! - [`Step::Write`]: write [`Conn::output`], then call
//!   [`Conn::written`];
//! - [`Step::Read`]: read into [`Conn::read_buf`] and report the outcome
//!   with [`Conn::filled`] or [`Conn::eof`], or, if the deadline passes
//!   first, with [`Conn::timed_out`];
//! - [`Step::Close`]: write what is left of the output, then close.
//!
//! Since it never touches a socket or a clock (the driver passes `now`), a
//! test can feed it any bytes, split anywhere, at any pretend time.
//!
//! Rules it keeps:
//!
//! - **Pipelining** (RFC 9112 §9.3.2): requests that arrive together are
//!   answered one after another, in order, and their responses collect in
//!   one output buffer, so the driver writes them with one call. Output is
//!   written before the connection reads again, and once it passes
//!   [`OUTPUT_HIGH_WATER`] before the next request is even parsed: a
//!   client that sends and never reads gets no more than that buffered.
//! - **Persistence** (§9.3): after a response the connection waits for the
//!   next request, unless the request was HTTP/1.0 without `Connection:
//!   keep-alive` or said `Connection: close`. Then the response says
//!   `Connection: close` and nothing after that request is read (§9.6).
//! - **Errors**: a request the parser refuses is answered with its status,
//!   `Connection: close`, and the connection closes: after bad framing
//!   there is no knowing where the next request would start (§9.6).
//! - **Deadlines**: each wait for input has one, set when the connection
//!   starts waiting: for the head, [`Limits::header_timeout`]; for the
//!   body, [`Limits::body_timeout`]. A connection that times out with part
//!   of a request gets `408`; one that was merely idle between requests is
//!   closed without a word, since a `408` it did not ask for could cross
//!   a request it is just sending and be read as that request's answer.
//! - **`100 Continue`** (RFC 9110 §10.1.1): sent when an HTTP/1.1 request
//!   expects it and none of its body has arrived yet; a request refused
//!   on its head alone (a body over the limit: `413`) is refused at once
//!   instead, so its body is never sent.
//! - **Memory**: the input buffer holds at most the request being read,
//!   within the limits, plus one read's worth of what follows it; it is
//!   freed after a request that made it grow past [`SHRINK_ABOVE`].

use std::time::Instant;

use super::body::Chunked;
use super::limits::Limits;
use super::request::{
    Framing, Head, HeadParser, Progress, Reject, Request, Version,
};
use super::response::{self, CONTINUE, Connection, Response};
use super::status::Status;

/// Free bytes the input buffer offers each read, at least.
pub const READ_CHUNK: usize = 4096;
/// Bytes of responses buffered before they must be written.
pub const OUTPUT_HIGH_WATER: usize = 64 * 1024;
/// An idle connection's buffers are freed when they have grown past this.
pub const SHRINK_ABOVE: usize = 4 * READ_CHUNK;

/// What the driver does next.
#[derive(Debug)]
pub enum Step<'a> {
    /// Answer this request with [`Conn::respond`].
    Request(Request<'a>),
    /// Write [`Conn::output`], then call [`Conn::written`].
    Write,
    /// Read into [`Conn::read_buf`], giving up at this instant.
    Read(Instant),
    /// Write [`Conn::output`], then close the connection.
    Close,
}

/// Where the connection is in the current request.
#[derive(Debug)]
enum Phase {
    /// Reading a request head.
    Head,
    /// Reading the body of the request whose head is parsed.
    Body(Body),
    /// A whole request, `len` bytes, is with the handler.
    Answer { len: usize },
    /// No more requests: write what is left, then close.
    Close,
}

#[derive(Debug)]
enum Body {
    Length(usize),
    Chunked { decoder: Chunked, decoded: usize },
}

/// [`Step`], before the request is borrowed.
enum Next {
    Request { len: usize, body: usize },
    Write,
    Read(Instant),
    Close,
}

/// The state of one connection.
#[derive(Debug)]
pub struct Conn {
    limits: Limits,
    /// Input: `buf[start..end]` is received and not yet answered; the
    /// current request starts at `start`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    parser: HeadParser,
    head: Head,
    phase: Phase,
    /// Responses not yet written.
    out: Vec<u8>,
    /// When the current wait for input ends, once it has begun.
    deadline: Option<Instant>,
    /// The client has finished sending.
    peer_closed: bool,
    /// The status of the error response, if the connection refused a
    /// request.
    error: Option<Status>,
}

impl Conn {
    pub fn new(limits: Limits) -> Conn {
        Conn {
            limits,
            buf: Vec::new(),
            start: 0,
            end: 0,
            parser: HeadParser::default(),
            head: Head::default(),
            phase: Phase::Head,
            out: Vec::new(),
            deadline: None,
            peer_closed: false,
            error: None,
        }
    }

    /// What to do next; `now` starts the clock of a new wait for input.
    ///
    /// # Panics
    ///
    /// If the last step was a request that [`respond`](Conn::respond) has
    /// not answered yet.
    pub fn step(&mut self, now: Instant) -> Step<'_> {
        match self.advance(now) {
            Next::Request { len, body } => {
                let request = &self.buf[self.start..self.start + len];
                let body = &request[self.head.len..self.head.len + body];
                Step::Request(Request::new(request, &self.head, body))
            }
            Next::Write => Step::Write,
            Next::Read(deadline) => Step::Read(deadline),
            Next::Close => Step::Close,
        }
    }

    fn advance(&mut self, now: Instant) -> Next {
        loop {
            match self.phase {
                Phase::Head => {
                    if self.out.len() >= OUTPUT_HIGH_WATER {
                        return Next::Write;
                    }
                    let data = &self.buf[self.start..self.end];
                    match self.parser.parse(data, &self.limits, &mut self.head)
                    {
                        Err(reject) => self.reject(reject),
                        Ok(Progress::Complete) => self.begin_body(),
                        Ok(Progress::Partial) if self.peer_closed => {
                            if self.parser.started(data) {
                                self.reject(ENDED_IN_HEAD);
                            } else {
                                self.phase = Phase::Close;
                            }
                        }
                        Ok(Progress::Partial) => {
                            return self.wait(now, self.limits.header_timeout);
                        }
                    }
                }
                Phase::Body(_) => match self.read_body() {
                    Err(reject) => self.reject(reject),
                    Ok(Some(body)) => {
                        let len = self.head.len + body;
                        self.phase = Phase::Answer { len };
                        return Next::Request { len, body };
                    }
                    Ok(None) if self.peer_closed => self.reject(ENDED_IN_BODY),
                    Ok(None) => {
                        return self.wait(now, self.limits.body_timeout);
                    }
                },
                Phase::Answer { .. } => {
                    panic!("Conn::step before respond() answered the request")
                }
                Phase::Close => return Next::Close,
            }
        }
    }

    /// The head is parsed: start on the body.
    fn begin_body(&mut self) {
        let received = self.end - self.start - self.head.len;
        let (body, empty) = match self.head.framing {
            Framing::Length(n) => (Body::Length(n), n == 0),
            Framing::Chunked => {
                let decoder = Chunked::default();
                (
                    Body::Chunked {
                        decoder,
                        decoded: 0,
                    },
                    false,
                )
            }
        };
        if self.head.expect_continue && !empty && received == 0 {
            self.out.extend_from_slice(CONTINUE);
        }
        self.phase = Phase::Body(body);
        self.deadline = None;
    }

    /// The body's length once all of it is in the buffer, right after the
    /// head.
    fn read_body(&mut self) -> Result<Option<usize>, Reject> {
        let head_len = self.head.len;
        match &mut self.phase {
            Phase::Body(Body::Length(n)) => {
                Ok((self.end - self.start >= head_len + *n).then_some(*n))
            }
            Phase::Body(Body::Chunked { decoder, decoded }) => {
                let region = &mut self.buf[self.start..self.end];
                let (progress, used) =
                    decoder.decode(region, head_len, decoded, &self.limits)?;
                // Close the gap the chunk framing left behind the data.
                let to = self.start + head_len + *decoded;
                let from = self.start + used;
                self.buf.copy_within(from..self.end, to);
                self.end -= from - to;
                Ok((progress == Progress::Complete).then_some(*decoded))
            }
            _ => Ok(None),
        }
    }

    /// Waits for input: first the output must go.
    fn wait(&mut self, now: Instant, timeout: std::time::Duration) -> Next {
        if !self.out.is_empty() {
            return Next::Write;
        }
        Next::Read(*self.deadline.get_or_insert(now + timeout))
    }

    /// Answers a refused request, and closes.
    fn reject(&mut self, reject: Reject) {
        self.error = Some(reject.status);
        let request = &self.buf[self.start..self.end];
        let head_only = self.parser.has_request_line()
            && self.head.method(request) == b"HEAD";
        let answer = Response::from(reject);
        let written = response::write(
            &mut self.out,
            &answer,
            head_only,
            Connection::Close,
        );
        debug_assert!(written.is_ok(), "error responses are well-formed");
        self.phase = Phase::Close;
    }

    /// Answers the request of the last [`Step::Request`] with `response`.
    /// A response that cannot be sent as it is (see
    /// [`response`]) becomes a `500`.
    ///
    /// # Panics
    ///
    /// If there is no request to answer.
    pub fn respond(&mut self, response: Response) {
        let Phase::Answer { len, .. } = self.phase else {
            panic!("Conn::respond without a request to answer");
        };
        let request = &self.buf[self.start..self.start + len];
        let head_only = self.head.method(request) == b"HEAD";
        let keep_alive = self.head.keep_alive;
        let connection = match (keep_alive, self.head.version) {
            (false, _) => Connection::Close,
            (true, Version::Http10) => Connection::KeepAlive,
            (true, Version::Http11) => Connection::Persistent,
        };
        let out = &mut self.out;
        if response::write(out, &response, head_only, connection).is_err() {
            let text = "the handler's response could not be sent";
            let error = Response::text(Status::INTERNAL_SERVER_ERROR, text);
            let written = response::write(out, &error, head_only, connection);
            debug_assert!(written.is_ok(), "error responses are well-formed");
        }
        if !keep_alive {
            self.phase = Phase::Close;
            return;
        }
        self.start += len;
        self.parser = HeadParser::default();
        self.head.clear();
        self.phase = Phase::Head;
        self.deadline = None;
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
            if self.buf.len() > SHRINK_ABOVE {
                self.buf = Vec::new();
            }
        }
    }

    /// The wait of the last [`Step::Read`] has passed its deadline.
    pub fn timed_out(&mut self) {
        match self.phase {
            Phase::Head
                if self.parser.started(&self.buf[self.start..self.end]) =>
            {
                self.reject(SLOW_HEAD);
            }
            Phase::Head => self.phase = Phase::Close,
            Phase::Body(_) => self.reject(SLOW_BODY),
            Phase::Answer { .. } | Phase::Close => {}
        }
    }

    /// Between requests: no byte of the next one has arrived, and nothing
    /// is left to write. A stopping server closes such a connection.
    pub fn is_idle(&self) -> bool {
        matches!(self.phase, Phase::Head)
            && !self.parser.started(&self.buf[self.start..self.end])
            && self.out.is_empty()
    }

    /// Where the next read goes: at least [`READ_CHUNK`] free bytes.
    pub fn read_buf(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        if self.buf.len() < self.end + READ_CHUNK {
            // Doubling keeps the copies few; a zeroed allocation (calloc)
            // leaves a large buffer's pages untouched until a read fills
            // them.
            let len = (self.end + READ_CHUNK).max(2 * self.buf.len());
            let mut grown = vec![0; len];
            grown[..self.end].copy_from_slice(&self.buf[..self.end]);
            self.buf = grown;
        }
        &mut self.buf[self.end..]
    }

    /// A read put `n` bytes into [`read_buf`](Conn::read_buf).
    ///
    /// # Panics
    ///
    /// If `n` is more than `read_buf` offered.
    pub fn filled(&mut self, n: usize) {
        assert!(n <= self.buf.len() - self.end, "more bytes than read_buf");
        self.end += n;
    }

    /// The client has closed its side: a read returned 0.
    pub fn eof(&mut self) {
        self.peer_closed = true;
    }

    /// Copies `bytes` in, as reads would (for tests and for drivers that
    /// read elsewhere).
    pub fn receive(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let buf = self.read_buf();
            let n = buf.len().min(bytes.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            self.filled(n);
            bytes = &bytes[n..];
        }
    }

    /// Responses to write.
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// [`output`](Conn::output) has been written.
    pub fn written(&mut self) {
        self.out.clear();
        if self.out.capacity() > OUTPUT_HIGH_WATER {
            self.out = Vec::new();
        }
    }

    /// The status the connection refused a request with, if it did.
    pub fn error(&self) -> Option<Status> {
        self.error
    }

    /// Bytes of memory the connection's buffers hold.
    pub fn memory(&self) -> usize {
        self.buf.capacity() + self.out.capacity()
    }
}

const fn refuse(status: Status, reason: &'static str) -> Reject {
    Reject { status, reason }
}

const ENDED_IN_HEAD: Reject = refuse(
    Status::BAD_REQUEST,
    "the connection ended inside a request head",
);
const ENDED_IN_BODY: Reject = refuse(
    Status::BAD_REQUEST,
    "the connection ended inside a request body",
);
const SLOW_HEAD: Reject =
    refuse(Status::REQUEST_TIMEOUT, "the request head took too long");
const SLOW_BODY: Reject =
    refuse(Status::REQUEST_TIMEOUT, "the request body took too long");
