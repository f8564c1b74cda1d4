//! The chunked transfer coding, decoded in place.
//!
//! A chunked body (RFC 9112 §7.1) is a series of chunks, each a size in hex
//! on its own line, optionally followed by extensions, then that many bytes
//! of data and a CRLF; a chunk of size 0 ends it, followed by an optional
//! trailer section of field lines and an empty line:
//!
//! ```text
//! 5;name=value\r\n
//! Hello\r\n
//! 0\r\n
//! Trailer: x\r\n
//! \r\n
//! ```
//!
//! We support it rather than answer `501`: RFC 9112 §7 says a recipient
//! MUST be able to parse it, and clients use it whenever they send a body
//! whose length they do not know in advance (`curl -T -` reading a pipe,
//! for one). What makes it cheap here is that decoded data is never longer
//! than its encoding, so the decoder moves each chunk's data down in the
//! same buffer, right after the data before it, and the body ends up
//! contiguous after the head, just like a `Content-Length` body.
//!
//! Each part that is not data is bounded: a size line by
//! [`MAX_CHUNK_LINE`], all of a body's extensions together by
//! [`MAX_EXTENSIONS`], the trailer section by the head's limits, the data
//! by the body's. Extensions and trailers are checked, then dropped.

use super::limits::Limits;
use super::request::{Progress, Reject, parse_field_line};
use super::status::Status;

/// Bytes of one chunk-size line, extensions included.
pub const MAX_CHUNK_LINE: usize = 4096;
/// Bytes of chunk extensions in one body. Extensions cost the server time
/// but deliver no data, so a client could otherwise make it read without
/// end; hyper caps them likewise.
pub const MAX_EXTENSIONS: usize = 16 * 1024;

const fn bad(reason: &'static str) -> Reject {
    Reject {
        status: Status::BAD_REQUEST,
        reason,
    }
}

/// Where the decoder is in the chunked body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk's data, with this many bytes to go.
    Data(u64),
    /// After a chunk's data, expecting its CRLF.
    DataEnd,
    /// After the last chunk, reading trailer field lines.
    Trailer,
    /// Past the trailer section's empty line.
    Done,
}

/// A chunked body's decoder; keep it between reads.
#[derive(Debug)]
pub struct Chunked {
    state: State,
    extensions: usize,
    trailer_bytes: usize,
    trailer_fields: usize,
}

impl Default for Chunked {
    fn default() -> Chunked {
        Chunked {
            state: State::Size,
            extensions: 0,
            trailer_bytes: 0,
            trailer_fields: 0,
        }
    }
}

impl Chunked {
    /// Decodes what has arrived. `region[body..body + *decoded]` holds the
    /// body decoded so far, and the encoded input continues right after it.
    /// Decoded data is appended there; returns how far into `region` the
    /// input has been consumed, a position at or after `body + *decoded`.
    pub fn decode(
        &mut self,
        region: &mut [u8],
        body: usize,
        decoded: &mut usize,
        limits: &Limits,
    ) -> Result<(Progress, usize), Reject> {
        let mut raw = body + *decoded;
        loop {
            let input = &region[raw..];
            match self.state {
                State::Size => {
                    let Some(line) = line(input, MAX_CHUNK_LINE)? else {
                        if input.len() >= MAX_CHUNK_LINE {
                            return Err(bad("a chunk-size line is too long"));
                        }
                        return Ok((Progress::Partial, raw));
                    };
                    let (size, extensions) = parse_size_line(line)?;
                    raw += line.len() + 2;
                    self.extensions += extensions;
                    if self.extensions > MAX_EXTENSIONS {
                        return Err(bad("too many bytes of chunk extensions"));
                    }
                    let room = (limits.max_body - *decoded) as u64;
                    self.state = match size {
                        0 => State::Trailer,
                        n if n > room => {
                            return Err(Reject {
                                status: Status::CONTENT_TOO_LARGE,
                                reason: "the body is larger than this server accepts",
                            });
                        }
                        n => State::Data(n),
                    };
                }
                State::Data(left) => {
                    // `left` fits in usize: it is at most `max_body`.
                    let n = input.len().min(left as usize);
                    if n == 0 {
                        return Ok((Progress::Partial, raw));
                    }
                    region.copy_within(raw..raw + n, body + *decoded);
                    *decoded += n;
                    raw += n;
                    self.state = match left - n as u64 {
                        0 => State::DataEnd,
                        left => State::Data(left),
                    };
                }
                State::DataEnd => match input {
                    [b'\r', b'\n', ..] => {
                        raw += 2;
                        self.state = State::Size;
                    }
                    [] | [b'\r'] => return Ok((Progress::Partial, raw)),
                    _ => return Err(bad("chunk data is not followed by CRLF")),
                },
                State::Trailer => {
                    let room = limits.max_head_bytes - self.trailer_bytes;
                    let Some(line) = line(input, room)? else {
                        if input.len() >= room {
                            return Err(trailer_too_large());
                        }
                        return Ok((Progress::Partial, raw));
                    };
                    raw += line.len() + 2;
                    self.trailer_bytes += line.len() + 2;
                    if line.is_empty() {
                        self.state = State::Done;
                        continue;
                    }
                    parse_field_line(line)?;
                    self.trailer_fields += 1;
                    if self.trailer_fields > limits.max_headers {
                        return Err(trailer_too_large());
                    }
                }
                State::Done => return Ok((Progress::Complete, raw)),
            }
        }
    }
}

fn trailer_too_large() -> Reject {
    Reject {
        status: Status::HEADER_FIELDS_TOO_LARGE,
        reason: "the trailer section is too large",
    }
}

/// The line at the start of `input` without its CRLF, if its LF is among
/// the first `limit` bytes.
fn line(input: &[u8], limit: usize) -> Result<Option<&[u8]>, Reject> {
    let window = &input[..input.len().min(limit)];
    let Some(lf) = window.iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    match window[..lf].split_last() {
        Some((b'\r', line)) => Ok(Some(line)),
        _ => Err(bad("a line ends in a bare LF; HTTP lines end in CRLF")),
    }
}

/// `chunk-size [ chunk-ext ]`: the size, and how many bytes the
/// extensions took. Sizes too large for `u64` saturate, which is over any
/// body limit.
fn parse_size_line(line: &[u8]) -> Result<(u64, usize), Reject> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(bad("a chunk size is not a hex number"));
    }
    let size = line[..digits].iter().fold(0u64, |n, &d| {
        let d = (d as char).to_digit(16).unwrap_or(0);
        n.saturating_mul(16).saturating_add(u64::from(d))
    });
    // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ):
    // we check that it starts with `;` after optional whitespace and holds
    // no control character, not its inner grammar, since we drop it.
    let extensions = &line[digits..];
    let after_space = extensions
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .map(|at| extensions[at]);
    let valid = extensions.is_empty()
        || after_space == Some(b';')
            && extensions
                .iter()
                .all(|&b| b == b'\t' || b >= 0x20 && b != 0x7f);
    if !valid {
        return Err(bad("a chunk extension is malformed"));
    }
    Ok((size, extensions.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `encoded` (after a 3-byte pretend head) all at once.
    fn decode(encoded: &[u8]) -> Result<(Progress, Vec<u8>, usize), Reject> {
        let mut region = [b"HED", encoded].concat();
        let mut decoded = 0;
        let (progress, raw) = Chunked::default().decode(
            &mut region,
            3,
            &mut decoded,
            &Limits::default(),
        )?;
        Ok((progress, region[3..3 + decoded].to_vec(), raw - 3))
    }

    #[test]
    fn decodes_chunks_extensions_and_trailers() {
        let encoded =
            b"5;a=b\r\nHello\r\n7 ; x\r\n, world\r\n0\r\nT: 1\r\n\r\nNEXT";
        let (progress, body, used) = decode(encoded).unwrap();
        assert_eq!(progress, Progress::Complete);
        assert_eq!(body, b"Hello, world");
        assert_eq!(&encoded[used..], b"NEXT");
    }

    #[test]
    fn waits_for_every_part() {
        let encoded = b"a\r\n0123456789\r\n0\r\n\r\n";
        for cut in 0..encoded.len() {
            let (progress, ..) = decode(&encoded[..cut]).unwrap();
            assert_eq!(progress, Progress::Partial, "cut at {cut}");
        }
    }

    #[test]
    fn refuses_bad_framing() {
        let status = |e: &[u8]| decode(e).unwrap_err().status.code();
        assert_eq!(status(b"x\r\n"), 400); // not hex
        assert_eq!(status(b"-1\r\n"), 400);
        assert_eq!(status(b"5 \r\nHello\r\n"), 400); // trailing space
        assert_eq!(status(b"5;\x01\r\n"), 400); // control character
        assert_eq!(status(b"5\nHello\r\n"), 400); // bare LF
        assert_eq!(status(b"5\r\nHelloXY"), 400); // no CRLF after data
        assert_eq!(status(b"0\r\nno colon\r\n\r\n"), 400);
        assert_eq!(status(b"0\r\n folded: x\r\n\r\n"), 400);
        assert_eq!(status(b"fffffffffffffffffffff\r\n"), 413);
        assert_eq!(status(b"100001\r\n"), 413); // 1 MiB + 1
        assert_eq!(status(&[b'1'; MAX_CHUNK_LINE]), 400);
    }

    #[test]
    fn bounds_extensions_and_trailers() {
        let ext = format!("1;{}\r\nx\r\n", "e".repeat(1000));
        let many = ext.repeat(MAX_EXTENSIONS / 1000 + 1);
        assert_eq!(decode(many.as_bytes()).unwrap_err().status.code(), 400);
        let trailers = format!("0\r\n{}\r\n", "T: x\r\n".repeat(101));
        let e = decode(trailers.as_bytes()).unwrap_err();
        assert_eq!(e.status.code(), 431);
        let long = format!("0\r\nT: {}\r\n\r\n", "x".repeat(8 * 1024));
        let e = decode(long.as_bytes()).unwrap_err();
        assert_eq!(e.status.code(), 431);
    }
}
