//! The request head: an incremental parser, and the [`Request`] a handler
//! reads.
//!
//! The parser never copies: it records where the method, the target and
//! each header field sit in the connection's buffer ([`Head`]), and a
//! [`Request`] is a view of that buffer. It is also incremental: a
//! [`HeadParser`] remembers how far it got, so bytes that trickle in one at
//! a time are each looked at once, not once per read.
//!
//! What it accepts is RFC 9112's grammar, strictly, because every leniency
//! is a place where this server and a proxy in front of it may disagree on
//! where a request ends, which is how request smuggling works:
//!
//! - Lines end with CRLF. RFC 9112 §2.2 lets a recipient accept a bare LF;
//!   we answer `400` instead (and a bare CR, which §2.2 says to reject or
//!   replace, is a control character inside a line: `400` too).
//! - The request line is `method SP target SP version`, single spaces
//!   (§3). Empty lines before it are skipped, as §2.2 asks.
//! - The method is a token (RFC 9110 §9.1) and is checked as it arrives,
//!   so a client speaking another protocol (a TLS handshake, say) gets its
//!   `400` at once rather than after the header timeout.
//! - The version is `HTTP/d.d` (§2.3): `HTTP/1.0` and `HTTP/1.1` are
//!   served, `HTTP/1.2`…`HTTP/1.9` are served as 1.1 (RFC 9110 §2.5), other
//!   majors get `505`; anything else, a missing version included, is `400`.
//! - A field line is `name ":" OWS value OWS` (§5). Whitespace before the
//!   colon (§5.1) and a line starting with whitespace, which is obsolete
//!   line folding (§5.2) or whitespace before the first field (§2.2), are
//!   refused with `400`; so is a control character in a value (RFC 9110
//!   §5.5).
//! - The body's length follows §6.3: `Transfer-Encoding` ending in
//!   `chunked` means a chunked body; `Content-Length` a counted one, its
//!   repeats accepted only when they agree; neither, no body. Both at once
//!   is refused (`400`), as §6.3 permits: that is the classic smuggling
//!   request.
//! - HTTP/1.1 requests need exactly one `Host` (RFC 9112 §3.2: `400`
//!   otherwise).

use std::ops::Range;

use super::limits::Limits;
use super::status::Status;

/// Why a request is refused: the status of the answer and a sentence for
/// its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reject {
    pub status: Status,
    pub reason: &'static str,
}

const fn bad(reason: &'static str) -> Reject {
    Reject {
        status: Status::BAD_REQUEST,
        reason,
    }
}

const BARE_LF: Reject = bad("a line ends in a bare LF; HTTP lines end in CRLF");
const BAD_METHOD: Reject = bad("the method is not a token");
const BAD_REQUEST_LINE: Reject =
    bad("the request line is not `method SP target SP HTTP-version`");
const BAD_TARGET: Reject = bad("the request target has a forbidden byte");
const BAD_VERSION: Reject = bad("the HTTP version is malformed");
const FOLDED: Reject = bad(
    "a field line starts with whitespace (obsolete line folding is refused)",
);
const NO_COLON: Reject = bad("a header field line has no colon");
const BAD_NAME: Reject = bad("a header field name is not a token");
const BAD_VALUE: Reject = bad("a header field value has a control character");

/// HTTP versions this server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// How a request's body is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length` bytes (no header: 0).
    Length(usize),
    /// The chunked transfer coding.
    Chunked,
}

/// A parsed request head: where its parts sit in the buffer it was parsed
/// from, and what its header fields mean for the connection.
#[derive(Debug)]
pub struct Head {
    /// Bytes of the head, up to and including its empty line.
    pub len: usize,
    method: Range<usize>,
    target: Range<usize>,
    pub version: Version,
    fields: Vec<(Range<usize>, Range<usize>)>,
    pub framing: Framing,
    /// The connection stays open after this request (RFC 9112 §9.3).
    pub keep_alive: bool,
    /// The client waits for `100 Continue` before sending the body (RFC
    /// 9110 §10.1.1).
    pub expect_continue: bool,
}

impl Default for Head {
    fn default() -> Head {
        Head {
            len: 0,
            method: 0..0,
            target: 0..0,
            version: Version::Http11,
            fields: Vec::new(),
            framing: Framing::Length(0),
            keep_alive: true,
            expect_continue: false,
        }
    }
}

impl Head {
    /// Forgets the last request, keeping the field list's allocation.
    pub fn clear(&mut self) {
        let mut fields = std::mem::take(&mut self.fields);
        fields.clear();
        *self = Head {
            fields,
            ..Head::default()
        };
    }

    /// The method (empty until the request line is parsed).
    pub fn method<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.method.clone()]
    }
}

/// Whether a head is all there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Only part of it: read more.
    Partial,
    /// All of it, and it is valid.
    Complete,
}

/// How far parsing a head has got; keep it between reads.
#[derive(Debug, Default)]
pub struct HeadParser {
    /// Where to look for the next LF.
    pos: usize,
    /// Where the current line starts.
    line_start: usize,
    /// How far the method has been checked, and whether it has ended.
    checked: usize,
    method_done: bool,
    /// The request line is parsed; what follows are field lines.
    request_line: bool,
}

impl HeadParser {
    /// Parses as much of the head at the start of `data` as has arrived,
    /// into `head`. `data` may hold more than the head (pipelined
    /// requests); parsing stops at the head's empty line, whose end
    /// becomes `head.len`.
    pub fn parse(
        &mut self,
        data: &[u8],
        limits: &Limits,
        head: &mut Head,
    ) -> Result<Progress, Reject> {
        // A head that fits has ended within the first `max_head_bytes`.
        let limit = data.len().min(limits.max_head_bytes);
        loop {
            if !self.request_line {
                self.check_method(data, limit)?;
            }
            let Some(at) =
                data[self.pos..limit].iter().position(|&b| b == b'\n')
            else {
                break;
            };
            let lf = self.pos + at;
            let start = self.line_start;
            self.pos = lf + 1;
            self.line_start = lf + 1;
            let line = match data[start..lf].split_last() {
                Some((b'\r', _)) => start..lf - 1,
                _ => return Err(BARE_LF),
            };
            if !self.request_line {
                if line.is_empty() {
                    // RFC 9112 §2.2: skip empty lines before the request.
                    self.checked = self.pos;
                    continue;
                }
                parse_request_line(data, line, head)?;
                self.request_line = true;
            } else if line.is_empty() {
                head.len = self.pos;
                finish(data, head, limits)?;
                return Ok(Progress::Complete);
            } else {
                if head.fields.len() == limits.max_headers {
                    return Err(Reject {
                        status: Status::HEADER_FIELDS_TOO_LARGE,
                        reason: "too many header fields",
                    });
                }
                let (name, value) = parse_field_line(&data[line.clone()])?;
                let at =
                    |r: Range<usize>| line.start + r.start..line.start + r.end;
                head.fields.push((at(name), at(value)));
            }
        }
        self.pos = limit;
        if data.len() < limits.max_head_bytes {
            return Ok(Progress::Partial);
        }
        // Within the request line, RFC 9112 §3: a target longer than the
        // server will parse gets 414, a method longer than any it
        // implements 501. Otherwise the fields (or the empty lines before
        // the request) are too much: 431.
        let in_request_line = !self.request_line && limit > self.line_start;
        Err(match (in_request_line, self.method_done) {
            (true, true) => Reject {
                status: Status::URI_TOO_LONG,
                reason: "the request line is too long",
            },
            (true, false) => Reject {
                status: Status::NOT_IMPLEMENTED,
                reason: "the method is longer than any this server knows",
            },
            (false, _) => Reject {
                status: Status::HEADER_FIELDS_TOO_LARGE,
                reason: "the request head is too large",
            },
        })
    }

    /// Whether the request line has been parsed.
    pub fn has_request_line(&self) -> bool {
        self.request_line
    }

    /// Whether any byte of a request (other than empty lines before it)
    /// is in `data`.
    pub fn started(&self, data: &[u8]) -> bool {
        self.request_line || data.len() > self.line_start
    }

    /// Checks the method's bytes as they arrive, up to the space after it.
    /// Stops, undecided, at a line's end (the line's own checks run when it
    /// is complete) and at a CR that may be the start of one.
    fn check_method(
        &mut self,
        data: &[u8],
        limit: usize,
    ) -> Result<(), Reject> {
        while !self.method_done && self.checked < limit {
            match data[self.checked] {
                b' ' => self.method_done = true,
                b'\n' => return Ok(()),
                b'\r' if self.checked + 1 == limit => return Ok(()),
                b'\r' if data[self.checked + 1] == b'\n' => return Ok(()),
                b if is_tchar(b) => {}
                _ => return Err(BAD_METHOD),
            }
            self.checked += 1;
        }
        Ok(())
    }
}

fn parse_request_line(
    data: &[u8],
    line: Range<usize>,
    head: &mut Head,
) -> Result<(), Reject> {
    let bytes = &data[line.clone()];
    let mut words = bytes.splitn(3, |&b| b == b' ');
    let (Some(method), Some(target), Some(version)) =
        (words.next(), words.next(), words.next())
    else {
        return Err(BAD_REQUEST_LINE);
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(BAD_METHOD);
    }
    // Visible ASCII only: no whitespace, controls or raw UTF-8 (RFC 3986).
    if target.is_empty() || !target.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(BAD_TARGET);
    }
    head.version = parse_version(version)?;
    head.method = line.start..line.start + method.len();
    let target_start = head.method.end + 1;
    head.target = target_start..target_start + target.len();
    Ok(())
}

fn parse_version(bytes: &[u8]) -> Result<Version, Reject> {
    match *bytes {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            match (major, minor) {
                (b'1', b'0') => Ok(Version::Http10),
                (b'1', _) => Ok(Version::Http11),
                _ => Err(Reject {
                    status: Status::VERSION_NOT_SUPPORTED,
                    reason: "this server speaks HTTP/1.0 and HTTP/1.1",
                }),
            }
        }
        _ => Err(BAD_VERSION),
    }
}

/// Splits a field line (without its CRLF) into the ranges of its name and
/// of its value, surrounding whitespace trimmed. Used for the head and for
/// a chunked body's trailer section alike.
pub fn parse_field_line(
    line: &[u8],
) -> Result<(Range<usize>, Range<usize>), Reject> {
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Err(FOLDED);
    }
    let colon = line.iter().position(|&b| b == b':').ok_or(NO_COLON)?;
    let name = &line[..colon];
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(BAD_NAME);
    }
    let value = trim(colon + 1..line.len(), line);
    // HTAB, SP, visible ASCII and obs-text (bytes 0x80 and up).
    if !line[value.clone()]
        .iter()
        .all(|&b| b == b'\t' || b >= 0x20 && b != 0x7f)
    {
        return Err(BAD_VALUE);
    }
    Ok((0..colon, value))
}

/// Reads the fields that frame the request and decide the connection's
/// fate.
fn finish(data: &[u8], head: &mut Head, limits: &Limits) -> Result<(), Reject> {
    let mut length: Option<u64> = None;
    let mut codings = Codings::default();
    let (mut close, mut keep_alive, mut expect) = (false, false, false);
    let mut hosts = 0;
    for (name, value) in &head.fields {
        let (name, value) = (&data[name.clone()], &data[value.clone()]);
        if name.eq_ignore_ascii_case(b"content-length") {
            for n in list(value) {
                let n = parse_length(n)?;
                if length.is_some_and(|seen| seen != n) {
                    return Err(bad("Content-Length values disagree"));
                }
                length = Some(n);
            }
            if length.is_none() {
                return Err(bad("Content-Length is empty"));
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            codings.add(value);
        } else if name.eq_ignore_ascii_case(b"connection") {
            for option in list(value) {
                close |= option.eq_ignore_ascii_case(b"close");
                keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
            if !value.iter().all(|&b| is_host_byte(b)) {
                return Err(bad("the Host field is not a host"));
            }
        } else if name.eq_ignore_ascii_case(b"expect") {
            expect |= value.eq_ignore_ascii_case(b"100-continue");
        }
    }
    let http11 = head.version == Version::Http11;
    if hosts > 1 || (http11 && hosts == 0) {
        return Err(bad("an HTTP/1.1 request needs exactly one Host field"));
    }
    head.framing = match (codings.present, length) {
        (true, _) if !http11 => {
            return Err(bad("Transfer-Encoding in an HTTP/1.0 request"));
        }
        (true, Some(_)) => {
            return Err(bad("both Transfer-Encoding and Content-Length"));
        }
        (true, None) => codings.framing()?,
        (false, Some(n)) if n > limits.max_body as u64 => {
            return Err(Reject {
                status: Status::CONTENT_TOO_LARGE,
                reason: "the body is larger than this server accepts",
            });
        }
        (false, Some(n)) => Framing::Length(n as usize),
        (false, None) => Framing::Length(0),
    };
    // RFC 9112 §9.3: 1.1 keeps the connection unless told to close;
    // 1.0 closes it unless told to keep it.
    head.keep_alive = !close && (http11 || keep_alive);
    head.expect_continue = expect && http11;
    Ok(())
}

/// The transfer codings of a request, in order, as far as framing cares.
#[derive(Default)]
struct Codings {
    present: bool,
    chunked: usize,
    last_is_chunked: bool,
    others: bool,
}

impl Codings {
    fn add(&mut self, value: &[u8]) {
        self.present = true;
        for coding in list(value) {
            // A coding may have parameters: `gzip;q=1`.
            let name = coding.split(|&b| b == b';').next().unwrap_or(coding);
            let chunked = trim_bytes(name).eq_ignore_ascii_case(b"chunked");
            self.chunked += usize::from(chunked);
            self.others |= !chunked;
            self.last_is_chunked = chunked;
        }
    }

    /// RFC 9112 §6.1 and §6.3.
    fn framing(&self) -> Result<Framing, Reject> {
        if !self.last_is_chunked {
            return Err(bad("the last transfer coding is not chunked"));
        }
        if self.chunked > 1 {
            return Err(bad("chunked is applied more than once"));
        }
        if self.others {
            return Err(Reject {
                status: Status::NOT_IMPLEMENTED,
                reason: "this server decodes no transfer coding but chunked",
            });
        }
        Ok(Framing::Chunked)
    }
}

/// `1*DIGIT` (RFC 9110 §8.6); values too large for `u64` saturate, which
/// is over any body limit.
fn parse_length(digits: &[u8]) -> Result<u64, Reject> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad("Content-Length is not a number"));
    }
    Ok(digits.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// The elements of a comma-separated list (RFC 9110 §5.6.1), trimmed,
/// empty ones skipped.
fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_bytes)
        .filter(|e| !e.is_empty())
}

fn trim(range: Range<usize>, bytes: &[u8]) -> Range<usize> {
    let part = &bytes[range.clone()];
    let start = part.len() - trim_start(part).len();
    let end = start + trim_bytes(part).len();
    range.start + start..range.start + end
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    &bytes[n..]
}

/// Without optional whitespace (SP, HTAB) at either end.
pub fn trim_bytes(bytes: &[u8]) -> &[u8] {
    let bytes = trim_start(bytes);
    let n = bytes
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    &bytes[..bytes.len() - n]
}

/// A `tchar`, the bytes of a token (RFC 9110 §5.6.2).
pub fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// [`is_tchar`] for each byte: a table, since every method and field name
/// goes through it.
const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// A byte of `uri-host [ ":" port ]` (RFC 3986 §3.2.2).
fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:[]".contains(&b)
}

/// A request, as a handler sees it: views into the connection's buffer,
/// valid until the handler returns.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    buf: &'a [u8],
    head: &'a Head,
    body: &'a [u8],
}

impl<'a> Request<'a> {
    /// A request whose head `head` was parsed from `buf`, with `body`.
    pub fn new(buf: &'a [u8], head: &'a Head, body: &'a [u8]) -> Request<'a> {
        Request { buf, head, body }
    }

    pub fn method(&self) -> &'a str {
        ascii(&self.buf[self.head.method.clone()])
    }

    /// The request target as sent: `/path?query`, or a whole URI.
    pub fn target(&self) -> &'a str {
        ascii(&self.buf[self.head.target.clone()])
    }

    /// The target's path: `/echo` for `/echo?x=1` and for
    /// `http://host/echo` (a server must accept the absolute form, RFC
    /// 9112 §3.2.2).
    pub fn path(&self) -> &'a str {
        let target = self.target();
        let authority = match target.starts_with('/') {
            true => None,
            false => target.find("://"),
        };
        let path = match authority {
            Some(at) => {
                let rest = &target[at + 3..];
                match rest.find(['/', '?']) {
                    Some(end) if rest.as_bytes()[end] == b'/' => &rest[end..],
                    _ => "/",
                }
            }
            _ => target,
        };
        path.split_once('?').map_or(path, |(path, _)| path)
    }

    pub fn version(&self) -> Version {
        self.head.version
    }

    /// The value of the first field named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// The header fields, in order: names as sent, values trimmed.
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        let buf = self.buf;
        self.head.fields.iter().map(move |(name, value)| {
            (ascii(&buf[name.clone()]), &buf[value.clone()])
        })
    }

    /// The body, any chunked coding removed.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// Whether the connection stays open after the response.
    pub fn keep_alive(&self) -> bool {
        self.head.keep_alive
    }
}

/// Bytes the parser admitted only as ASCII, as a `str`.
fn ascii(bytes: &[u8]) -> &str {
    // The parser let through tokens and visible ASCII only, so this never
    // fails; an empty string would be the safe answer if it did.
    std::str::from_utf8(bytes).unwrap_or_default()
}
