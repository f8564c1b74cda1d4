//! Responses: what a handler returns, and its bytes on the wire.
//!
//! The handler chooses the status, its own header fields and the body; the
//! server writes the fields that frame the message and manage the
//! connection, `Content-Length` and `Connection`, because getting them
//! wrong breaks the connection for every later response. So a response that
//! sets one of them, or `Transfer-Encoding`, or puts a control character
//! in a field (which would let a value start a field of its own: response
//! splitting) is not sent: the client gets `500` instead.
//!
//! Missing on purpose: `Date`. RFC 9110 §6.6.1 asks an origin server with a
//! clock to send it; we leave it out so that `GET /` is answered with the
//! same bytes as every other server in the book, which the tests and the
//! benchmark compare. A production server adds it, formatted once a second
//! and cached, as hyper does.

use std::borrow::Cow;

use super::request::{Reject, is_tchar};
use super::status::Status;

/// A response from a handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    status: Status,
    headers: Vec<(&'static str, Cow<'static, str>)>,
    body: Cow<'static, [u8]>,
}

impl Response {
    /// An empty response with `status`.
    pub fn new(status: Status) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Cow::Borrowed(b""),
        }
    }

    /// Adds a header field.
    pub fn header(
        mut self,
        name: &'static str,
        value: impl Into<Cow<'static, str>>,
    ) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Cow<'static, [u8]>>) -> Response {
        self.body = body.into();
        self
    }

    /// A plain-text response: `status` and a line of text.
    pub fn text(status: Status, text: &str) -> Response {
        Response::new(status)
            .header("Content-Type", "text/plain")
            .body(format!("{text}\n").into_bytes())
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (*n, v.as_ref()))
    }

    pub fn body_bytes(&self) -> &[u8] {
        &self.body
    }
}

/// The answer to a refused request.
impl From<Reject> for Response {
    fn from(reject: Reject) -> Response {
        Response::text(reject.status, reject.reason)
    }
}

/// What the `Connection` field of a response says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Nothing: HTTP/1.1 keeps the connection open.
    Persistent,
    /// `Connection: keep-alive`, which an HTTP/1.0 client needs to hear.
    KeepAlive,
    /// `Connection: close`: this is the last response (RFC 9112 §9.6).
    Close,
}

/// The interim response for a client that sent `Expect: 100-continue`.
pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// Appends `response` to `out`, without its body if `head_only` (the
/// answer to `HEAD`). Fails, writing nothing, if the response cannot be
/// sent as it is.
pub fn write(
    out: &mut Vec<u8>,
    response: &Response,
    head_only: bool,
    connection: Connection,
) -> Result<(), &'static str> {
    let code = response.status.code();
    // 204 and 304 have no body, and 204 no Content-Length either (RFC 9110
    // §8.6); we leave it out of 304 too rather than compute it.
    let bodiless = code == 204 || code == 304;
    if code < 200 {
        return Err("a handler's response must be final (2xx to 5xx)");
    }
    if bodiless && !response.body.is_empty() {
        return Err("204 and 304 responses have no body");
    }
    for (name, value) in &response.headers {
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err("a header field name is not a token");
        }
        let framing = ["content-length", "transfer-encoding", "connection"];
        if framing.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            return Err("the server writes Content-Length and Connection");
        }
        if !value.bytes().all(|b| b == b'\t' || b >= 0x20 && b != 0x7f) {
            return Err("a header field value has a control character");
        }
    }
    out.extend_from_slice(b"HTTP/1.1 ");
    push_decimal(out, code.into());
    out.push(b' ');
    out.extend_from_slice(response.status.reason().as_bytes());
    out.extend_from_slice(b"\r\n");
    if !bodiless {
        out.extend_from_slice(b"Content-Length: ");
        push_decimal(out, response.body.len());
        out.extend_from_slice(b"\r\n");
    }
    for (name, value) in &response.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(match connection {
        Connection::Persistent => b"",
        Connection::KeepAlive => b"Connection: keep-alive\r\n",
        Connection::Close => b"Connection: close\r\n",
    });
    out.extend_from_slice(b"\r\n");
    if !head_only && !bodiless {
        out.extend_from_slice(&response.body);
    }
    Ok(())
}

fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(response: &Response, head_only: bool, c: Connection) -> Vec<u8> {
        let mut out = Vec::new();
        write(&mut out, response, head_only, c).unwrap();
        out
    }

    #[test]
    fn frames_the_body() {
        let hello = Response::new(Status::OK)
            .header("Content-Type", "text/plain")
            .body(&b"Hello, world!"[..]);
        assert_eq!(
            bytes(&hello, false, Connection::Persistent),
            b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
              Content-Type: text/plain\r\n\r\nHello, world!"
        );
        assert_eq!(
            bytes(&hello, true, Connection::Close),
            b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
              Content-Type: text/plain\r\nConnection: close\r\n\r\n"
        );
        let empty = Response::new(Status::NO_CONTENT);
        assert_eq!(
            bytes(&empty, false, Connection::KeepAlive),
            b"HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n"
        );
    }

    #[test]
    fn refuses_what_would_break_framing() {
        let ok = || Response::new(Status::OK);
        let refused = [
            Response::new(Status::CONTINUE),
            Response::new(Status::NO_CONTENT).body(&b"x"[..]),
            ok().header("Content-Length", "5"),
            ok().header("transfer-encoding", "chunked"),
            ok().header("Connection", "close"),
            ok().header("Bad Name", "x"),
            ok().header("X", "a\r\nSet-Cookie: evil"),
        ];
        for response in refused {
            let mut out = Vec::new();
            let result = write(&mut out, &response, false, Connection::Close);
            assert!(result.is_err(), "{response:?}");
            assert!(out.is_empty());
        }
    }

    #[test]
    fn writes_decimals() {
        let mut out = Vec::new();
        for n in [0, 7, 10, 1234567890, usize::MAX] {
            out.clear();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
