//! HTTP/1.1 hello world, the part every server shares: the request parser,
//! the replies, and [`Requests`], the connection's 4 KiB input buffer.
//!
//! No I/O happens here. A handler asks [`Requests::next_step`] what to do:
//! write a reply, or read more bytes into [`Requests::unfilled`]. The
//! blocking handler (threads, green threads) and the async one (tokio, our
//! runtime) are the same loop around it, with and without `.await`.

/// Bytes of input a connection buffers: one request head must fit.
pub const BUF_SIZE: usize = 4096;

/// The reply to `GET /`.
pub const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
Content-Type: text/plain\r\n\r\nHello, world!";
const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
const NOT_ALLOWED: &[u8] = b"HTTP/1.1 405 Method Not Allowed\r\n\
Allow: GET\r\nContent-Length: 0\r\n\r\n";
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
Content-Length: 0\r\nConnection: close\r\n\r\n";
const TOO_LARGE: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\n\
Content-Length: 0\r\nConnection: close\r\n\r\n";

/// What to send for one request, and whether to close the connection after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    pub bytes: &'static [u8],
    pub close: bool,
}

impl Reply {
    const fn last(bytes: &'static [u8]) -> Reply {
        Reply { bytes, close: true }
    }
}

/// What the start of a connection's input holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A whole request, `len` bytes long, and the reply it gets.
    Request { len: usize, reply: Reply },
    /// Only part of a request head: read more.
    Partial,
}

/// Parses the request at the start of `input`. Requests with a body are
/// refused (400, then close): this server has nothing to post to.
pub fn parse(input: &[u8]) -> Parsed {
    let Some(head_len) = find(input, b"\r\n\r\n") else {
        return Parsed::Partial;
    };
    let len = head_len + 4;
    let reply = match reply_to(&input[..head_len]) {
        Some(reply) => reply,
        None => Reply::last(BAD_REQUEST),
    };
    Parsed::Request { len, reply }
}

/// The reply to a request head (without its blank line); `None` if the
/// head is malformed or announces a body.
fn reply_to(head: &[u8]) -> Option<Reply> {
    let mut lines = head.split(|&b| b == b'\n').map(|line| {
        line.strip_suffix(b"\r").unwrap_or(line) // tolerate bare \n
    });
    let mut words = lines.next()?.split(|&b| b == b' ');
    let (method, target, version) =
        (words.next()?, words.next()?, words.next()?);
    if words.next().is_some() {
        return None;
    }
    // HTTP/1.1 keeps the connection open unless told otherwise; 1.0 closes
    // it unless told otherwise.
    let mut close = match version {
        b"HTTP/1.1" => false,
        b"HTTP/1.0" => true,
        _ => return None,
    };
    for line in lines {
        let colon = line.iter().position(|&b| b == b':')?;
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        if name.eq_ignore_ascii_case(b"connection") {
            if contains_ignore_case(value, b"close") {
                close = true;
            } else if contains_ignore_case(value, b"keep-alive") {
                close = false;
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding")
            || (name.eq_ignore_ascii_case(b"content-length") && value != b"0")
        {
            return None;
        }
    }
    let bytes = match (method, target) {
        (b"GET", b"/") => HELLO,
        (b"GET", _) => NOT_FOUND,
        _ => NOT_ALLOWED,
    };
    Some(Reply { bytes, close })
}

/// A connection's input: [`BUF_SIZE`] bytes, of which `start..end` hold
/// what has been read but not yet answered.
pub struct Requests {
    buf: [u8; BUF_SIZE],
    start: usize,
    end: usize,
}

/// What a handler does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Write this reply (then close, if it says so).
    Reply(Reply),
    /// Read more into [`Requests::unfilled`].
    Read,
}

impl Default for Requests {
    fn default() -> Self {
        Self::new()
    }
}

impl Requests {
    pub const fn new() -> Requests {
        Requests {
            buf: [0; BUF_SIZE],
            start: 0,
            end: 0,
        }
    }

    /// The next step: a reply for each whole request in the buffer, in
    /// order (pipelined requests arrive together), then `Read`.
    pub fn next_step(&mut self) -> Next {
        match parse(&self.buf[self.start..self.end]) {
            Parsed::Request { len, reply } => {
                self.start += len;
                Next::Reply(reply)
            }
            // A head that fills the whole buffer will never fit.
            Parsed::Partial if self.end - self.start == BUF_SIZE => {
                Next::Reply(Reply::last(TOO_LARGE))
            }
            Parsed::Partial => Next::Read,
        }
    }

    /// Where the next read goes: the free end of the buffer, after moving
    /// the unanswered bytes to its front. Never empty after `next_step` said
    /// `Read`.
    pub fn unfilled(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.buf[self.end..]
    }

    /// Records that a read put `n` bytes into [`unfilled`](Self::unfilled).
    pub fn filled(&mut self, n: usize) {
        assert!(self.end + n <= BUF_SIZE, "more bytes than the buffer has");
        self.end += n;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace());
    match (start, end) {
        (Some(start), Some(end)) => &bytes[start..=end],
        _ => &[],
    }
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(bytes: &'static [u8]) -> Reply {
        Reply {
            bytes,
            close: false,
        }
    }

    const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

    /// Feeds `chunks` to a `Requests` as successive reads and returns every
    /// reply, stopping at the first that closes.
    fn replies(chunks: &[&[u8]]) -> Vec<Reply> {
        let mut requests = Requests::new();
        let mut out = Vec::new();
        let mut chunks = chunks.iter();
        loop {
            match requests.next_step() {
                Next::Reply(reply) => {
                    out.push(reply);
                    if reply.close {
                        return out;
                    }
                }
                Next::Read => {
                    let Some(chunk) = chunks.next() else {
                        return out;
                    };
                    let space = requests.unfilled();
                    assert!(space.len() >= chunk.len(), "test chunk too big");
                    space[..chunk.len()].copy_from_slice(chunk);
                    requests.filled(chunk.len());
                }
            }
        }
    }

    #[test]
    fn answers_get_slash_and_keeps_the_connection() {
        assert_eq!(replies(&[GET]), vec![keep(HELLO)]);
        let response = std::str::from_utf8(HELLO).unwrap();
        assert!(response.ends_with("\r\n\r\nHello, world!"));
        assert!(response.contains("Content-Length: 13\r\n"));
    }

    #[test]
    fn answers_pipelined_requests_from_one_read_in_order() {
        let other = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
        let three = [GET, other.as_slice(), GET].concat();
        assert_eq!(
            replies(&[&three]),
            vec![keep(HELLO), keep(NOT_FOUND), keep(HELLO)]
        );
    }

    #[test]
    fn waits_for_the_rest_of_a_partial_request_split_anywhere() {
        let two = [GET, GET].concat();
        for cut in 1..two.len() {
            let (a, b) = two.split_at(cut);
            assert_eq!(replies(&[a, b]), vec![keep(HELLO); 2], "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = GET.chunks(1).collect();
        assert_eq!(replies(&bytes), vec![keep(HELLO)]);
        assert_eq!(parse(&GET[..GET.len() - 1]), Parsed::Partial);
    }

    #[test]
    fn closes_when_asked_to_and_for_http_1_0() {
        let close = b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n";
        assert_eq!(replies(&[close, GET]), vec![Reply::last(HELLO)]);
        let old = b"GET / HTTP/1.0\r\n\r\n";
        assert_eq!(replies(&[old]), vec![Reply::last(HELLO)]);
        let kept = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
        assert_eq!(replies(&[kept]), vec![keep(HELLO)]);
    }

    #[test]
    fn refuses_what_it_cannot_serve() {
        let bad = [
            b"GARBAGE\r\n\r\n".as_slice(),
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET / HTTP/1.1 extra\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        ];
        for request in bad {
            assert_eq!(
                replies(&[request]),
                vec![Reply::last(BAD_REQUEST)],
                "{}",
                String::from_utf8_lossy(request)
            );
        }
        let post = b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(replies(&[post]), vec![keep(NOT_ALLOWED)]);
    }

    #[test]
    fn a_head_larger_than_the_buffer_is_refused() {
        let mut huge = b"GET / HTTP/1.1\r\nX: ".to_vec();
        huge.resize(BUF_SIZE, b'a');
        let (a, b) = huge.split_at(1000);
        assert_eq!(replies(&[a, b]), vec![Reply::last(TOO_LARGE)]);
        // A full buffer whose first request is whole is not "too large".
        let mut full = GET.to_vec();
        full.resize(BUF_SIZE, b'a');
        assert_eq!(replies(&[&full])[0], keep(HELLO));
    }
}
