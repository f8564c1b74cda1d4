//! An HTTP/1.1 server for the runtime, in three layers.
//!
//! 1. **The protocol, without I/O** (`std` only): [`request`] parses heads
//!    incrementally, [`body`] removes the chunked coding in place,
//!    [`response`] writes responses, and [`conn`] is one connection's state
//!    machine, with keep-alive, pipelining, errors and deadlines, under the
//!    [`limits`]. [`replay`] plays a client's bytes against it.
//! 2. **The application**: a handler is a `Fn(&Request) -> Response`;
//!    [`router`] picks one by method and path and holds the book's demo.
//! 3. **The driver** ([`server`]): an async loop per connection that reads
//!    into the state machine's buffer, writes what it produces, enforces
//!    its deadlines with a timer and closes politely, and an accept loop
//!    that caps the connections ([`permits`]) and stops gracefully
//!    ([`shutdown`]). It runs on this crate's runtime: its `TcpListener`,
//!    `AsyncRead`/`AsyncWrite`, `time::sleep` and `spawn`.
//!
//! # Why no I/O in the protocol
//!
//! A parser that reads from a socket can only be tested through a socket,
//! with the bytes arriving however the kernel delivers them. One that is
//! fed bytes can be fed every split of a request, one byte at a time, at
//! any pretend time, and a hundred thousand random inputs in seconds (see
//! `tests/http_split.rs` and `tests/http_fuzz.rs`). The same design runs
//! Python's h11, quinn's QUIC (quinn-proto) and hyper's HTTP/1 connection,
//! and it is what lets this server be finished and tested before the
//! runtime it runs on exists.
//!
//! # Decisions
//!
//! Where RFC 9112 (HTTP/1.1) and RFC 9110 (HTTP semantics) leave a choice,
//! this server takes the strict one, because a leniency is where two
//! implementations, say a proxy and this server, can disagree on where a
//! request ends, and that disagreement is request smuggling.
//!
//! | Question | Decision | Rests on |
//! | --- | --- | --- |
//! | Bare LF as a line end | refused, `400` | RFC 9112 §2.2 allows either |
//! | Bare CR | refused, `400` | §2.2: reject or replace |
//! | Empty lines before a request | skipped | §2.2: SHOULD ignore at least one |
//! | Obsolete line folding | refused, `400` | §5.2: reject or replace |
//! | Whitespace before a field's colon | refused, `400` | §5.1: MUST reject |
//! | `Transfer-Encoding: chunked` | decoded | §7: a recipient MUST be able to parse it |
//! | Other transfer codings | `501` | §6.1: SHOULD respond 501 |
//! | Transfer-Encoding and Content-Length | `400`, close | §6.3: MAY reject, MUST close |
//! | Repeated Content-Length | same value: fine; else `400` | §6.3 |
//! | HTTP/1.1 without one `Host` | `400` | §3.2: MUST respond 400 |
//! | `HTTP/1.x`, x ≥ 2 | served as 1.1 | RFC 9110 §2.5 |
//! | HTTP major version ≠ 1 | `505` | RFC 9110 §15.6.6 |
//! | Request line too long | `414` (target) or `501` (method) | §3 |
//! | Persistence | 1.1 unless `close`; 1.0 only with `keep-alive` | §9.3 |
//! | Pipelining | answered in order, one at a time | §9.3.2: MUST keep order |
//! | `Expect: 100-continue` | `100` before reading the body | RFC 9110 §10.1.1 |
//! | Closing | shut down writing, drain, close | §9.6 |
//! | Idle keep-alive timeout | close without a response | §9.5: may close an idle connection |
//! | Connection cap | stop accepting | see [`server`] |
//! | Stopping | refuse new clients, finish requests in hand, close idle connections, drop the rest after [`Limits::drain_timeout`] | see [`server`] |
//! | Response version | always `HTTP/1.1` | RFC 9110 §2.5: the highest the server speaks, major ≤ the request's |
//!
//! # What the server sends, and when
//!
//! | Status | When |
//! | --- | --- |
//! | `100 Continue` | an HTTP/1.1 request with `Expect: 100-continue` and a body, none of which has arrived |
//! | `200 OK` | `GET /` (`Hello, world!`), `POST /echo` (the body) |
//! | `400 Bad Request` | a malformed request line or field, a bad line ending, bad framing, no `Host`, or input that ends inside a request |
//! | `404 Not Found` | a path no route has |
//! | `405 Method Not Allowed` | a routed path with another method, listing the allowed ones in `Allow` |
//! | `408 Request Timeout` | part of a request arrived, but not all of its head within [`Limits::header_timeout`], or of its body within [`Limits::body_timeout`] |
//! | `413 Content Too Large` | a `Content-Length`, or chunks adding up to, more than [`Limits::max_body`] |
//! | `414 URI Too Long` | a request line whose target runs past [`Limits::max_head_bytes`] |
//! | `431 Request Header Fields Too Large` | a head over [`Limits::max_head_bytes`], more than [`Limits::max_headers`] fields, or a trailer section over either |
//! | `500 Internal Server Error` | a handler's response that cannot be sent as it is |
//! | `501 Not Implemented` | a transfer coding other than chunked; a method that runs past the head limit |
//! | `505 HTTP Version Not Supported` | `HTTP/0.x` or `HTTP/2` and up in a request line |
//!
//! Every refusal (`400`, `408`, `413`, `414`, `431`, `501`, `505`) carries
//! `Connection: close` and a one-line reason, and ends the connection.
//!
//! # What it leaves out
//!
//! - `Date` (RFC 9110 §6.6.1 asks for it): left out so that the demo's
//!   bytes match every other server in the book (see [`response`]).
//! - Async handlers and streaming bodies (see [`router`]): a body is
//!   buffered whole, so the worst case is [`Limits::max_body`] per
//!   connection, times [`Limits::max_connections`].
//! - Chunked responses, `Upgrade`, `CONNECT` tunnels, and `417` for
//!   expectations other than `100-continue` (ignored, as RFC 9110 §10.1.1
//!   allows).

pub mod body;
pub mod conn;
pub mod limits;
pub mod permits;
pub mod replay;
pub mod request;
pub mod response;
pub mod router;
#[cfg(target_os = "linux")]
pub mod server;
pub mod shutdown;
pub mod status;

pub use conn::{Conn, Step};
pub use limits::Limits;
pub use request::{Request, Version};
pub use response::Response;
pub use router::{Router, demo};
#[cfg(target_os = "linux")]
pub use server::{Stopped, serve, serve_connection};
pub use shutdown::{Shutdown, Stage};
pub use status::Status;

/// A waker that counts its wakes, for the unit tests of [`permits`] and
/// [`shutdown`].
#[cfg(test)]
pub(crate) struct Count(pub std::sync::atomic::AtomicUsize);

#[cfg(test)]
impl std::task::Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}
