//! TCP delivers a byte stream, not messages: a request may arrive in any
//! number of reads, cut anywhere. Whatever the cuts, the connection must
//! send the same bytes and see the same requests.

use ch15_runtime::http::replay::{End, Exchange, replay};
use ch15_runtime::http::{Limits, demo};

/// Client transcripts: pipelined requests, bodies of both framings, and
/// refusals at every stage of a request.
fn transcripts() -> Vec<Vec<u8>> {
    let get = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n".to_vec();
    let mut all = vec![
        get.repeat(3),
        [
            &b"\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody"[..],
            &get,
        ]
        .concat(),
        [
            &b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
               4;ext=\"v\"\r\nchun\r\n3\r\nked\r\n0\r\nTrailer: yes\r\n\r\n"[..],
            &get,
        ]
        .concat(),
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nHEAD / HTTP/1.0\r\n\r\n"
            .to_vec(),
        [&b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"[..], &get]
            .concat(),
        [&get[..], b"GET /x HTTP/1.1\r\nHost: t\r\nBad Name: v\r\n\r\n"].concat(),
        [&get[..], b"GET / HTTP/1.1\r\nHost: t\nX: y\r\n\r\n"].concat(),
        b"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n".to_vec(),
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n".to_vec(),
        b"GET / HTTP/2.0\r\nHost: t\r\n\r\n".to_vec(),
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec(),
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdeX"
            .to_vec(),
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03".to_vec(),
        b"GET\r/ HTTP/1.1\r\n\r\n".to_vec(),
        b"GET /\r\n\r\n".to_vec(),
    ];
    // Limits: too many fields, a head too long, a target too long, a
    // method too long.
    let mut many = b"GET / HTTP/1.1\r\nHost: t\r\n".to_vec();
    many.extend(b"X: y\r\n".repeat(101));
    all.push(many);
    let mut long = b"GET / HTTP/1.1\r\nHost: t\r\nX: ".to_vec();
    long.extend(b"v".repeat(8200));
    all.push(long);
    let mut target = b"GET /".to_vec();
    target.extend(b"a".repeat(8200));
    all.push(target);
    all.push(b"M".repeat(8200));
    all
}

fn exchange(chunks: &[&[u8]], end: End) -> Exchange {
    let router = demo();
    let seen = replay(chunks, end, &Limits::default(), |r| router.handle(r));
    Exchange {
        peak_memory: 0,
        ..seen
    }
}

#[test]
fn one_byte_at_a_time_is_the_same_as_all_at_once() {
    for input in transcripts() {
        for end in [End::Wait, End::Eof] {
            let whole = exchange(&[&input], end);
            let bytes: Vec<&[u8]> = input.chunks(1).collect();
            let trickled = exchange(&bytes, end);
            assert_eq!(
                trickled,
                whole,
                "{:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
}

#[test]
fn a_cut_anywhere_is_the_same_as_no_cut() {
    for input in transcripts().into_iter().filter(|t| t.len() < 1000) {
        for end in [End::Wait, End::Eof] {
            let whole = exchange(&[&input], end);
            for cut in 0..=input.len() {
                let (head, tail) = input.split_at(cut);
                let split = exchange(&[head, tail], end);
                assert_eq!(
                    split,
                    whole,
                    "cut at {cut} of {:?}",
                    String::from_utf8_lossy(&input)
                );
            }
        }
    }
}

#[test]
fn the_transcripts_cover_every_outcome() {
    let mut statuses: Vec<_> = transcripts()
        .iter()
        .map(|t| exchange(&[t], End::Wait).error.map(|s| s.code()))
        .collect();
    statuses.sort();
    statuses.dedup();
    let expected = [
        None,
        Some(400),
        Some(413),
        Some(414),
        Some(431),
        Some(501),
        Some(505),
    ];
    assert_eq!(statuses, expected);
}
