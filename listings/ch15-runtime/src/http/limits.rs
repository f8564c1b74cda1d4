//! How much a client may send, and how long it may take.
//!
//! Every limit exists because a server that trusts its clients runs out of
//! something: memory (a head or a body that never ends), descriptors (a
//! connection that never closes) or patience (a client that sends one byte
//! every few seconds, the attack known as *slowloris*). RFC 9112 leaves the
//! numbers to the server; the defaults here are round figures near those
//! common servers ship with.
//!
//! The first group is enforced by the state machine
//! ([`Conn`](super::conn::Conn)), the timeouts and the connection cap by the
//! driver ([`server`](super::server)), which owns the clock and the sockets.

use std::time::Duration;

/// The limits one server applies to every connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of a request head: the request line, the header field lines
    /// and every CRLF, up to and including the empty line that ends it
    /// (and any empty lines before the request line). Default 8 KiB: RFC
    /// 9112 §3 recommends supporting request lines of at least 8000
    /// octets, and Apache (`LimitRequestLine`, 8190 bytes) and nginx
    /// (`large_client_header_buffers`, 8k) bound each line to about that;
    /// we bound the whole head, which is stricter. Beyond it: `431`, or
    /// `414` when the request line alone does not fit.
    pub max_head_bytes: usize,
    /// Header field lines in one head (and, separately, in the trailer
    /// section of a chunked body). Default 100, hyper's figure. Beyond it:
    /// `431`. Apache's `LimitRequestFields` is 100 too.
    pub max_headers: usize,
    /// Bytes of a request body after any chunked coding is removed. The
    /// whole body is buffered before the handler runs, so this is also the
    /// memory one request may hold. Default 1 MiB, nginx's
    /// `client_max_body_size`. Beyond it: `413`.
    pub max_body: usize,
    /// How long a connection may take, from the moment the server starts
    /// waiting for a request, to deliver that request's whole head. Covers
    /// both a slow client and an idle kept-alive connection: if part of a
    /// request has arrived when it expires the answer is `408`, otherwise
    /// the connection is closed without one. Default 10 s: far more than
    /// any working client needs, far less than a slowloris would like.
    pub header_timeout: Duration,
    /// How long a body may take, from the moment the server starts waiting
    /// for it. Default 30 s (a 1 MiB body at 35 KB/s). Beyond it: `408`.
    pub body_timeout: Duration,
    /// How long one write of responses may wait for a client that does not
    /// read. Beyond it the connection is dropped. Default 10 s. Enforced by
    /// the driver.
    pub write_timeout: Duration,
    /// How long a closing connection keeps reading (and discarding) what
    /// the client still sends, so that the client sees our last response
    /// rather than a reset (see [`server`](super::server)). Default 2 s
    /// (Apache's `lingering_close` waits 2 s for each read, 30 s in all).
    /// Enforced by the driver.
    pub linger: Duration,
    /// Connections served at once. At the cap the server stops accepting,
    /// and new connections wait in the kernel's accept queue. Default
    /// 10,000. Enforced by the driver.
    pub max_connections: usize,
    /// How long a stopping server waits for its connections to finish the
    /// requests they are serving before it drops them. Default 10 s.
    /// Enforced by the driver.
    pub drain_timeout: Duration,
}

impl Limits {
    /// The defaults documented on each field.
    pub const DEFAULT: Limits = Limits {
        max_head_bytes: 8 * 1024,
        max_headers: 100,
        max_body: 1024 * 1024,
        header_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(30),
        write_timeout: Duration::from_secs(10),
        linger: Duration::from_secs(2),
        max_connections: 10_000,
        drain_timeout: Duration::from_secs(10),
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}
