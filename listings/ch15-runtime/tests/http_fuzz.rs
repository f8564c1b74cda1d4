//! A fuzz test in the test suite: random bytes, and valid requests
//! truncated, mutated and spliced, fed in random cuts under random limits.
//! Whatever comes in, the connection must not panic, must end in one of
//! the outcomes it promises, must not hold more memory than its limits
//! allow, and must behave the same however the input is cut.
//!
//! The generator is a xorshift PRNG with a fixed seed, so every run tests
//! the same cases and a failure names the case that reproduces it.

use std::collections::BTreeMap;

use ch15_runtime::http::body::MAX_CHUNK_LINE;
use ch15_runtime::http::conn::{OUTPUT_HIGH_WATER, READ_CHUNK};
use ch15_runtime::http::replay::{End, Exchange, replay};
use ch15_runtime::http::{Limits, demo};

const SEED: u64 = 0x9e37_79b9_7f4a_7c15;
/// Cases per run; under Miri, thousands of times slower, 50.
const CASES: u64 = if cfg!(miri) { 50 } else { 100_000 };

/// xorshift64* (Vigna): small, fast, and good enough to pick test cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A byte, biased towards the ones HTTP's grammar turns on.
    fn byte(&mut self) -> u8 {
        const SPECIAL: &[u8] = b"\r\n :;,\t0123456789abcdefABCDEF/\x00\x7f\xff";
        match self.below(4) {
            0 => SPECIAL[self.below(SPECIAL.len())],
            1 => b'!' + self.below(94) as u8,
            _ => self.next() as u8,
        }
    }
}

/// Requests to start from.
const SEEDS: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: t\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
      5;e=1\r\nhello\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\
      Content-Length: 3\r\n\r\nabc",
    b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET http://t/?a=b HTTP/1.1\r\nHost: t\r\nAccept: */*\r\n\r\n",
    b"\r\nGET /missing HTTP/1.1\r\nHost: t\r\nX: 1\r\nX: 2\r\n\r\n",
];

/// One test input: what a client sends, in which cuts, then does.
fn case(rng: &mut Rng) -> (Vec<u8>, End) {
    let mut input = Vec::new();
    if rng.chance(15) {
        input = (0..rng.below(300)).map(|_| rng.byte()).collect();
    } else {
        for _ in 0..1 + rng.below(3) {
            input.extend_from_slice(SEEDS[rng.below(SEEDS.len())]);
        }
        for _ in 0..rng.below(4) {
            mutate(rng, &mut input);
        }
    }
    let end = match rng.below(3) {
        0 => End::Wait,
        1 => End::Eof,
        _ => End::Timeout,
    };
    (input, end)
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>) {
    let at = rng.below(input.len() + 1);
    match rng.below(7) {
        0 => input.truncate(at),
        1 if at < input.len() => input[at] = rng.byte(),
        2 => input.insert(at, rng.byte()),
        3 if at < input.len() => {
            input.remove(at);
        }
        4 => {
            // A run of one byte: long lines, long numbers, many CRLFs.
            let run = vec![rng.byte(); 1 + rng.below(600)];
            input.splice(at..at, run);
        }
        5 => {
            let start = rng.below(input.len() + 1);
            let copy = input[start.min(at)..start.max(at)].to_vec();
            input.extend(copy);
        }
        _ => {
            let field: &[u8] = match rng.below(4) {
                0 => b"Content-Length: 3\r\n",
                1 => b"Transfer-Encoding: chunked\r\n",
                2 => b"Connection: close\r\n",
                _ => b"Expect: 100-continue\r\n",
            };
            input.splice(at..at, field.iter().copied());
        }
    }
}

/// Limits small enough that random input reaches them.
fn limits(rng: &mut Rng) -> Limits {
    if rng.chance(50) {
        return Limits::default();
    }
    Limits {
        max_head_bytes: 16 + rng.below(512),
        max_headers: rng.below(8),
        max_body: rng.below(64),
        ..Limits::default()
    }
}

/// Cuts `input` into reads of random sizes.
fn cuts<'a>(rng: &mut Rng, input: &'a [u8]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(64));
        let (chunk, tail) = rest.split_at(n);
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

/// An exchange without its interim responses or memory figure.
fn comparable(seen: &Exchange) -> Exchange {
    const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
    let mut output = seen.output.clone();
    while let Some(at) =
        output.windows(CONTINUE.len()).position(|w| w == CONTINUE)
    {
        output.drain(at..at + CONTINUE.len());
    }
    Exchange {
        output,
        peak_memory: 0,
        ..seen.clone()
    }
}

/// The most memory a connection may hold under `limits`: a request at its
/// limits plus a read's worth, the buffer's growth at most doubling it,
/// and responses up to the high-water mark plus the largest one (an echo).
fn memory_bound(limits: &Limits) -> usize {
    let input = 2 * limits.max_head_bytes
        + limits.max_body
        + MAX_CHUNK_LINE
        + 2 * READ_CHUNK;
    let output = OUTPUT_HIGH_WATER + limits.max_body + 1024;
    2 * input + 2 * output
}

#[test]
fn random_input_never_breaks_the_connection() {
    let mut rng = Rng(SEED);
    let router = demo();
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut requests = 0;
    for number in 0..CASES {
        let (input, end) = case(&mut rng);
        let limits = limits(&mut rng);
        let chunks = cuts(&mut rng, &input);
        let run = |chunks: &[&[u8]]| {
            replay(chunks, end, &limits, |r| router.handle(r))
        };
        let seen = run(&chunks);
        let why = || {
            let input = String::from_utf8_lossy(&input);
            format!("case {number}: {end:?} {limits:?} {input:?}")
        };

        // Its outcome is one of those it promises.
        let outcome = match (seen.closed, seen.error) {
            (false, None) => {
                assert_eq!(
                    end,
                    End::Wait,
                    "only a waiting client waits; {}",
                    why()
                );
                "waits for more input".to_string()
            }
            (false, Some(_)) => panic!("refused but left open; {}", why()),
            (true, None) => "closed cleanly".to_string(),
            (true, Some(status)) => {
                let code = status.code();
                let allowed = [400, 413, 414, 431, 501, 505];
                let timed_out = code == 408 && end == End::Timeout;
                assert!(
                    allowed.contains(&code) || timed_out,
                    "{code}; {}",
                    why()
                );
                format!("refused with {code}")
            }
        };
        *outcomes.entry(outcome).or_default() += 1;
        requests += seen.requests.len() as u64;

        // Its output is responses; no request's body passes the limit.
        let http =
            seen.output.is_empty() || seen.output.starts_with(b"HTTP/1.1 ");
        assert!(http, "{}", why());
        assert!(seen.requests.iter().all(|r| r.1.len() <= limits.max_body));

        // Its memory stays within what its limits allow.
        let bound = memory_bound(&limits);
        assert!(
            seen.peak_memory <= bound,
            "{} > {bound}; {}",
            seen.peak_memory,
            why()
        );

        // And the cuts do not matter, but for `100 Continue`: whether it
        // is sent depends on whether the body came with the head.
        let whole = run(&[&input]);
        let (cut, whole) = (comparable(&seen), comparable(&whole));
        if cut != whole {
            let text =
                |e: &Exchange| String::from_utf8_lossy(&e.output).into_owned();
            assert_eq!(text(&cut), text(&whole), "{}", why());
            assert_eq!(cut, whole, "{}", why());
        }
    }
    println!("{CASES} cases from seed {SEED:#x}: {requests} requests answered");
    for (outcome, count) in &outcomes {
        println!("{count:>7} {outcome}");
    }
    if !cfg!(miri) {
        // Every outcome is reached, so the test is testing all of them.
        for code in [400, 408, 413, 414, 431, 501, 505] {
            let outcome = format!("refused with {code}");
            assert!(outcomes.contains_key(&outcome), "never {code}");
        }
        assert!(outcomes.contains_key("waits for more input"));
        assert!(outcomes.contains_key("closed cleanly"));
    }
}
