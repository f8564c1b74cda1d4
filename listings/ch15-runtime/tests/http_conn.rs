//! The HTTP core without I/O: every status it sends, and when; keep-alive
//! and pipelining; deadlines; memory.

use std::time::{Duration, Instant};

use ch15_runtime::http::replay::{End, Exchange, replay};
use ch15_runtime::http::{Conn, Limits, Request, Response, Status, Step, demo};

const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
Content-Type: text/plain\r\n\r\nHello, world!";
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n";

fn run(input: &[u8], end: End) -> Exchange {
    let router = demo();
    replay(&[input], end, &Limits::default(), |r| router.handle(r))
}

fn status_of(input: &[u8]) -> Option<u16> {
    let seen = run(input, End::Wait);
    seen.error.map(|s| s.code())
}

/// The connection refuses `input` with `status`, says why, closes, and
/// never hands the request to the handler.
#[track_caller]
fn refused(input: &[u8], status: u16, reason: &str) {
    let seen = run(input, End::Wait);
    let shown = String::from_utf8_lossy(input);
    assert_eq!(seen.error.map(|s| s.code()), Some(status), "{shown:?}");
    assert!(seen.closed, "{shown:?}");
    assert!(seen.requests.is_empty(), "{shown:?}");
    let text = String::from_utf8_lossy(&seen.output);
    assert!(text.starts_with(&format!("HTTP/1.1 {status} ")), "{text}");
    assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
    assert!(text.contains(reason), "{shown:?} gave {text:?}");
}

#[test]
fn hello_world_is_exactly_the_books_bytes() {
    let seen = run(GET, End::Wait);
    assert_eq!(seen.output, HELLO);
    assert!(!seen.closed, "HTTP/1.1 keeps the connection open");
    assert_eq!(seen.error, None);
}

#[test]
fn echo_returns_counted_and_chunked_bodies() {
    let counted =
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
    let seen = run(counted, End::Wait);
    assert!(
        seen.output
            .starts_with(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n")
    );
    assert!(seen.output.ends_with(b"\r\n\r\nhello"));
    let chunked = b"POST /echo HTTP/1.1\r\nHost: t\r\n\
        Transfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n";
    let seen = run(chunked, End::Wait);
    assert_eq!(seen.requests, [("POST /echo".into(), b"hello".to_vec())]);
    assert!(seen.output.ends_with(b"\r\n\r\nhello"));
    assert!(!seen.closed);
}

#[test]
fn not_found_method_not_allowed_and_head() {
    let seen = run(b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", End::Wait);
    assert!(seen.output.starts_with(b"HTTP/1.1 404 Not Found\r\n"));
    let seen = run(b"DELETE / HTTP/1.1\r\nHost: t\r\n\r\n", End::Wait);
    let text = String::from_utf8(seen.output).unwrap();
    assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    assert!(text.contains("\r\nAllow: GET, HEAD\r\n"), "{text}");
    let seen = run(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n", End::Wait);
    assert_eq!(
        seen.output,
        &HELLO[..HELLO.len() - 13],
        "no body, same length"
    );
    let seen = run(
        b"GET http://example.com/?q HTTP/1.1\r\nHost: t\r\n\r\n",
        End::Wait,
    );
    assert_eq!(
        seen.output, HELLO,
        "the absolute form is routed by its path"
    );
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let echo =
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc";
    let missing = b"GET /missing HTTP/1.1\r\nHost: t\r\n\r\n";
    let input = [GET, echo, missing].concat();
    let seen = run(&input, End::Wait);
    let lines: Vec<_> = seen.requests.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(lines, ["GET /", "POST /echo", "GET /missing"]);
    let text = String::from_utf8(seen.output).unwrap();
    let hello = text.find("Hello, world!").unwrap();
    let abc = text.find("\r\n\r\nabc").unwrap();
    let not_found = text.find("404 Not Found").unwrap();
    assert!(hello < abc && abc < not_found, "{text}");
    assert!(text.starts_with(std::str::from_utf8(HELLO).unwrap()));
}

#[test]
fn three_gets_in_one_read_give_three_hellos_in_one_write() {
    let now = Instant::now();
    let router = demo();
    let mut conn = Conn::new(Limits::default());
    assert!(matches!(conn.step(now), Step::Read(_)));
    conn.receive(&GET.repeat(3));
    for _ in 0..3 {
        let Step::Request(request) = conn.step(now) else {
            panic!("expected a request");
        };
        let response = router.handle(&request);
        conn.respond(response);
    }
    assert!(matches!(conn.step(now), Step::Write));
    assert_eq!(conn.output(), HELLO.repeat(3));
}

#[test]
fn keep_alive_follows_version_and_connection() {
    let close = b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    let seen = run(&[close.as_slice(), GET].concat(), End::Wait);
    assert!(seen.closed);
    assert_eq!(seen.requests.len(), 1, "nothing after `close` is read");
    assert!(
        seen.output
            .ends_with(b"Connection: close\r\n\r\nHello, world!")
    );

    let old = b"GET / HTTP/1.0\r\n\r\n";
    let seen = run(old, End::Wait);
    assert!(seen.closed, "HTTP/1.0 closes by default");
    assert!(
        seen.output
            .ends_with(b"Connection: close\r\n\r\nHello, world!")
    );
    assert!(seen.output.starts_with(b"HTTP/1.1 200 OK\r\n"));

    let kept = b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
    let seen = run(&[kept.as_slice(), kept].concat(), End::Wait);
    assert!(!seen.closed);
    assert_eq!(seen.requests.len(), 2);
    assert!(
        seen.output
            .ends_with(b"Connection: keep-alive\r\n\r\nHello, world!")
    );

    let both =
        b"GET / HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, close\r\n\r\n";
    assert!(run(both, End::Wait).closed, "close wins");
}

#[test]
fn malformed_request_lines_get_400() {
    refused(b"G@T / HTTP/1.1\r\n\r\n", 400, "method");
    refused(b"GET /\r\n\r\n", 400, "request line"); // no version (HTTP/0.9)
    refused(b"GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "target");
    refused(b"GET / HTTP/1.1 \r\nHost: t\r\n\r\n", 400, "version");
    refused(b"GET / http/1.1\r\nHost: t\r\n\r\n", 400, "version");
    refused(b"GET / HTTP/1.10\r\nHost: t\r\n\r\n", 400, "version");
    refused(b"GET / HTTP/11\r\nHost: t\r\n\r\n", 400, "version");
    refused(b"BREW / HTCPCP/1.0\r\n\r\n", 400, "version");
    refused(
        b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: t\r\n\r\n",
        400,
        "target",
    );
    refused(b"GET /\x7f HTTP/1.1\r\nHost: t\r\n\r\n", 400, "target");
    // A TLS ClientHello is refused from its first byte, not after 8 KiB.
    refused(
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        400,
        "method",
    );
}

#[test]
fn line_endings_are_crlf_only() {
    refused(b"GET / HTTP/1.1\nHost: t\r\n\r\n", 400, "bare LF");
    refused(b"GET / HTTP/1.1\r\nHost: t\n\r\n", 400, "bare LF");
    refused(b"GET / HTTP/1.1\r\nHost: t\r\n\n", 400, "bare LF");
    refused(b"GET\r/ HTTP/1.1\r\n", 400, "method"); // bare CR
    refused(b"GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", 400, "control");
    // Empty lines before the request line are skipped (RFC 9112 §2.2).
    assert_eq!(run(&[b"\r\n\r\n", GET].concat(), End::Wait).output, HELLO);
}

#[test]
fn malformed_header_fields_get_400() {
    let with =
        |field: &str| format!("GET / HTTP/1.1\r\nHost: t\r\n{field}\r\n\r\n");
    refused(with("NoColon").as_bytes(), 400, "no colon");
    refused(with("Name : value").as_bytes(), 400, "not a token");
    refused(with(": value").as_bytes(), 400, "not a token");
    refused(with("X: a\r\n folded").as_bytes(), 400, "folding");
    refused(with("X: a\x00b").as_bytes(), 400, "control");
    refused(with("X: a\x1bb").as_bytes(), 400, "control");
    refused(b"GET / HTTP/1.1\r\n Host: t\r\n\r\n", 400, "whitespace");
    refused(with("Host: u").as_bytes(), 400, "Host");
    refused(b"GET / HTTP/1.1\r\n\r\n", 400, "Host");
    refused(
        with("").replace("Host: t", "Host: a b").as_bytes(),
        400,
        "Host",
    );
    // Values may carry obs-text and surrounding whitespace.
    let fine = with("X-Name: \t caf\u{e9} \t");
    assert_eq!(run(fine.as_bytes(), End::Wait).output, HELLO);
}

#[test]
fn body_framing_errors_get_400_or_501() {
    let post = |fields: &str| {
        format!("POST /echo HTTP/1.1\r\nHost: t\r\n{fields}\r\n\r\nhello")
    };
    for bad in ["abc", "-1", "+5", "0x5", "5 5", "", " , "] {
        let input = post(&format!("Content-Length: {bad}"));
        refused(input.as_bytes(), 400, "Content-Length");
    }
    let disagree = post("Content-Length: 5\r\nContent-Length: 6");
    refused(disagree.as_bytes(), 400, "disagree");
    refused(post("Content-Length: 5, 6").as_bytes(), 400, "disagree");
    for agree in [
        "Content-Length: 5\r\nContent-Length: 5",
        "Content-Length: 5, 05",
    ] {
        let seen = run(post(agree).as_bytes(), End::Wait);
        assert_eq!(seen.requests, [("POST /echo".into(), b"hello".to_vec())]);
    }
    let smuggle = post("Content-Length: 5\r\nTransfer-Encoding: chunked");
    refused(smuggle.as_bytes(), 400, "both");
    refused(post("Transfer-Encoding: gzip").as_bytes(), 400, "last");
    refused(
        post("Transfer-Encoding: chunked, chunked").as_bytes(),
        400,
        "more than once",
    );
    refused(
        post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked")
            .as_bytes(),
        400,
        "more than once",
    );
    refused(
        post("Transfer-Encoding: gzip, chunked").as_bytes(),
        501,
        "chunked",
    );
    let old =
        b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    refused(old, 400, "HTTP/1.0");
    let torn = b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n";
    refused(torn, 400, "hex");
}

#[test]
fn bodies_over_the_limit_get_413() {
    let limits = Limits::default();
    let over = limits.max_body + 1;
    let input = format!(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {over}\r\n\r\n"
    );
    refused(input.as_bytes(), 413, "larger");
    let huge = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n";
    refused(huge.as_bytes(), 413, "larger");
    let chunks = format!(
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
         80000\r\n{}\r\n80001\r\n",
        "a".repeat(0x80000)
    );
    refused(chunks.as_bytes(), 413, "larger");
    // Exactly at the limit is fine.
    let at = format!(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{}",
        limits.max_body,
        "b".repeat(limits.max_body)
    );
    let seen = run(at.as_bytes(), End::Wait);
    assert_eq!(seen.requests[0].1.len(), limits.max_body);
    // Refused on its head: no `100 Continue` invites the body first.
    let expect = format!(
        "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: {over}\r\n\r\n"
    );
    let seen = run(expect.as_bytes(), End::Wait);
    assert!(
        seen.output
            .starts_with(b"HTTP/1.1 413 Content Too Large\r\n")
    );
}

#[test]
fn heads_over_the_limits_get_431_414_or_501() {
    let limits = Limits::default();
    // A head of exactly `max_head_bytes` is accepted; one byte more is not.
    let head = |len: usize| {
        let start = "GET / HTTP/1.1\r\nHost: t\r\nX: ";
        let pad = len - start.len() - 4;
        format!("{start}{}\r\n\r\n", "v".repeat(pad))
    };
    assert_eq!(
        run(head(limits.max_head_bytes).as_bytes(), End::Wait).output,
        HELLO
    );
    refused(head(limits.max_head_bytes + 1).as_bytes(), 431, "too large");
    // 100 fields are accepted, 101 are not.
    let fields = |n: usize| {
        let mut input = String::from("GET / HTTP/1.1\r\nHost: t\r\n");
        input.push_str(&"X: y\r\n".repeat(n - 1));
        input + "\r\n"
    };
    assert_eq!(
        run(fields(limits.max_headers).as_bytes(), End::Wait).output,
        HELLO
    );
    refused(fields(limits.max_headers + 1).as_bytes(), 431, "too many");
    // A request line that does not fit: its target is too long (414), or
    // its method is longer than any this server knows (501).
    let long_target = format!("GET /{} HTTP/1.1\r\n", "a".repeat(9000));
    refused(long_target.as_bytes(), 414, "too long");
    refused("A".repeat(9000).as_bytes(), 501, "method");
    // Empty lines before the request count against the head.
    refused("\r\n".repeat(4096).as_bytes(), 431, "too large");
}

#[test]
fn unsupported_versions_get_505() {
    refused(b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, "HTTP/1.1");
    refused(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "HTTP/1.1");
    refused(b"GET / HTTP/0.9\r\n\r\n", 505, "HTTP/1.1");
    refused(b"GET / HTTP/3.0\r\nHost: t\r\n\r\n", 505, "HTTP/1.1");
    // A higher minor version of 1 is served as 1.1 (RFC 9110 §2.5).
    assert_eq!(
        run(b"GET / HTTP/1.7\r\nHost: t\r\n\r\n", End::Wait).output,
        HELLO
    );
}

#[test]
fn slow_requests_get_408_and_idle_connections_just_close() {
    let seen = run(b"GET / HTTP/1.1\r\nHo", End::Timeout);
    assert_eq!(seen.error, Some(Status::REQUEST_TIMEOUT));
    assert!(seen.output.starts_with(b"HTTP/1.1 408 Request Timeout\r\n"));
    assert!(seen.closed);
    let body =
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhel";
    let seen = run(body, End::Timeout);
    assert_eq!(seen.error, Some(Status::REQUEST_TIMEOUT));
    for idle in [&b""[..], b"\r\n", GET] {
        let seen = run(idle, End::Timeout);
        assert!(seen.closed);
        assert_eq!(seen.error, None, "no 408 for an idle connection");
        assert!(!seen.output.starts_with(b"HTTP/1.1 408"));
    }
}

#[test]
fn deadlines_start_when_the_connection_starts_waiting() {
    let limits = Limits::default();
    let t0 = Instant::now();
    let mut conn = Conn::new(limits.clone());
    let Step::Read(deadline) = conn.step(t0) else {
        panic!()
    };
    assert_eq!(deadline, t0 + limits.header_timeout);
    // Bytes that trickle in do not push the deadline back.
    conn.receive(b"GET / HTTP/1.1\r\n");
    let later = t0 + Duration::from_secs(5);
    let Step::Read(deadline) = conn.step(later) else {
        panic!()
    };
    assert_eq!(deadline, t0 + limits.header_timeout);
    // The body has its own clock, from when the server waits for it.
    conn.receive(b"Host: t\r\nContent-Length: 2\r\n\r\n");
    let Step::Read(deadline) = conn.step(later) else {
        panic!()
    };
    assert_eq!(deadline, later + limits.body_timeout);
    conn.receive(b"ok");
    let Step::Request(_) = conn.step(later) else {
        panic!()
    };
    conn.respond(Response::new(Status::NO_CONTENT));
    let Step::Write = conn.step(later) else {
        panic!()
    };
    conn.written();
    // And the next request's clock starts after the response is out.
    let after = later + Duration::from_secs(1);
    let Step::Read(deadline) = conn.step(after) else {
        panic!()
    };
    assert_eq!(deadline, after + limits.header_timeout);
}

#[test]
fn end_of_input_answers_what_is_complete() {
    let seen = run(&[GET, GET].concat(), End::Eof);
    assert_eq!(
        seen.output,
        HELLO.repeat(2),
        "a half-closed client is answered"
    );
    assert!(seen.closed);
    assert_eq!(seen.error, None);
    let seen = run(b"GET / HT", End::Eof);
    assert_eq!(seen.error, Some(Status::BAD_REQUEST));
    let body =
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhel";
    assert_eq!(run(body, End::Eof).error, Some(Status::BAD_REQUEST));
    let seen = run(b"", End::Eof);
    assert!(seen.closed && seen.output.is_empty());
}

#[test]
fn continue_is_sent_only_to_a_client_that_waits_for_it() {
    let head = "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    let router = demo();
    let handle = |r: &Request<'_>| router.handle(r);
    let limits = Limits::default();
    let seen = replay(&[head.as_bytes(), b"hi"], End::Wait, &limits, handle);
    assert!(
        seen.output
            .starts_with(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    );
    let together = format!("{head}hi");
    let seen = run(together.as_bytes(), End::Wait);
    assert!(
        seen.output.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "body already here"
    );
    let old = head.replace("HTTP/1.1", "HTTP/1.0");
    let seen = replay(&[old.as_bytes(), b"hi"], End::Wait, &limits, handle);
    assert!(
        seen.output.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "1.0 ignores Expect"
    );
}

#[test]
fn an_error_answer_to_head_has_no_body() {
    let input = format!(
        "HEAD / HTTP/1.1\r\nHost: t\r\n{}\r\n",
        "X: y\r\n".repeat(100)
    );
    let seen = run(input.as_bytes(), End::Wait);
    assert_eq!(seen.error, Some(Status::HEADER_FIELDS_TOO_LARGE));
    assert!(seen.output.ends_with(b"Connection: close\r\n\r\n"));
}

#[test]
fn a_response_that_cannot_be_sent_becomes_500() {
    let limits = Limits::default();
    let splitting = |_: &Request<'_>| {
        Response::new(Status::OK).header("X", "1\r\nSet-Cookie: a=b")
    };
    let seen = replay(&[GET, GET], End::Wait, &limits, splitting);
    let text = String::from_utf8(seen.output).unwrap();
    assert_eq!(
        text.matches("HTTP/1.1 500 Internal Server Error\r\n")
            .count(),
        2
    );
    assert!(!text.contains("Set-Cookie"));
    assert!(!seen.closed, "framing is intact: the connection carries on");
}

#[test]
fn output_is_written_before_it_grows_past_the_high_water_mark() {
    let body = "x".repeat(40 * 1024);
    let one = format!(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let now = Instant::now();
    let router = demo();
    let mut conn = Conn::new(Limits::default());
    conn.receive(one.repeat(3).as_bytes());
    let mut steps = Vec::new();
    loop {
        match conn.step(now) {
            Step::Request(request) => {
                steps.push("request");
                let response = router.handle(&request);
                conn.respond(response);
            }
            Step::Write => {
                steps.push("write");
                assert!(conn.output().len() < 2 * 64 * 1024);
                conn.written();
            }
            Step::Read(_) | Step::Close => break,
        }
    }
    assert_eq!(steps, ["request", "request", "write", "request", "write"]);
}

#[test]
fn a_big_request_does_not_leave_a_big_buffer_behind() {
    let body = "x".repeat(Limits::default().max_body);
    let input = format!(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let now = Instant::now();
    let mut conn = Conn::new(Limits::default());
    conn.receive(input.as_bytes());
    assert!(conn.memory() > Limits::default().max_body);
    let Step::Request(request) = conn.step(now) else {
        panic!()
    };
    let response = demo().handle(&request);
    conn.respond(response);
    // The input buffer goes as soon as the request is answered; the output
    // once it is written.
    assert!(conn.memory() > Limits::default().max_body);
    let Step::Write = conn.step(now) else {
        panic!()
    };
    conn.written();
    let Step::Read(_) = conn.step(now) else {
        panic!()
    };
    assert_eq!(conn.memory(), 0, "both buffers are freed");
    assert_eq!(status_of(GET), None);
}
