//! Running `wrk --latency` and reading what it prints.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::child::{find_program, output_within};

/// How to install wrk, for the message shown when it is missing.
pub const INSTALL: &str = "install wrk to measure HTTP (Debian, Ubuntu: apt-get install wrk; \
     Fedora: dnf install wrk; macOS: brew install wrk)";

/// What one wrk run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct WrkResult {
    /// Requests completed during the run.
    pub requests: u64,
    /// `Requests/sec:` as wrk computed it.
    pub requests_per_sec: f64,
    /// Median latency (`50%` of the latency distribution).
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Socket errors of every kind (connect, read, write, timeout).
    pub socket_errors: u64,
    /// Replies whose status was not 2xx or 3xx.
    pub non_2xx: u64,
}

/// wrk's path, if it is on the `PATH`.
pub fn find() -> Option<PathBuf> {
    find_program("wrk")
}

/// The arguments every server gets, whatever it is: no benchmark
/// special-cases a server.
pub fn args(
    addr: SocketAddr,
    threads: usize,
    connections: usize,
    duration: Duration,
) -> Vec<String> {
    vec![
        "--latency".into(),
        "-t".into(),
        threads.to_string(),
        "-c".into(),
        connections.to_string(),
        "-d".into(),
        format!("{}s", duration.as_secs().max(1)),
        "--timeout".into(),
        "2s".into(),
        format!("http://{addr}/"),
    ]
}

/// Runs wrk with [`args`] and parses its report.
pub fn run(
    wrk: &PathBuf,
    addr: SocketAddr,
    threads: usize,
    connections: usize,
    duration: Duration,
) -> io::Result<WrkResult> {
    // wrk stops by itself after `duration`; anything far beyond is a hang.
    let limit = duration + Duration::from_secs(30);
    let output = output_within(
        Command::new(wrk).args(args(addr, threads, connections, duration)),
        limit,
    )?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "wrk failed ({}): {}{}",
            output.status,
            text.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    parse(&text).map_err(|e| io::Error::other(format!("{e} in:\n{text}")))
}

/// Parses the report of `wrk --latency`.
pub fn parse(text: &str) -> Result<WrkResult, String> {
    let mut requests = None;
    let mut requests_per_sec = None;
    let (mut p50, mut p99) = (None, None);
    let (mut socket_errors, mut non_2xx) = (0, 0);
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            requests_per_sec = rest.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("50%") {
            p50 = Some(time(rest.trim())?);
        } else if let Some(rest) = line.strip_prefix("99%") {
            p99 = Some(time(rest.trim())?);
        } else if let Some((count, _)) = line.split_once(" requests in ") {
            requests = count.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 12, write 0, timeout 3"
            for part in rest.split(',') {
                let number = part.split_whitespace().nth(1).unwrap_or("");
                socket_errors += number
                    .parse::<u64>()
                    .map_err(|_| format!("bad socket errors {rest:?}"))?;
            }
        } else if let Some(rest) =
            line.strip_prefix("Non-2xx or 3xx responses:")
        {
            non_2xx = rest
                .trim()
                .parse()
                .map_err(|_| format!("bad count {rest:?}"))?;
        }
    }
    Ok(WrkResult {
        requests: requests.ok_or("no `N requests in` line")?,
        requests_per_sec: requests_per_sec.ok_or("no `Requests/sec:` line")?,
        p50: p50.ok_or("no 50% latency (was --latency given?)")?,
        p99: p99.ok_or("no 99% latency (was --latency given?)")?,
        socket_errors,
        non_2xx,
    })
}

/// One of wrk's times: `85.00us`, `1.23ms`, `2.00s`, `1.50m`, `1.00h`.
fn time(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| format!("no unit in {text:?}"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 =
        number.parse().map_err(|_| format!("bad time {text:?}"))?;
    let seconds = match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("unknown unit in {text:?}")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed by `wrk --latency -t 1 -c 50 -d 5s --timeout 2s` against
    /// the bench's tokio current_thread server on this machine.
    const REAL: &str = include_str!("../tests/data/wrk-latency.txt");

    #[test]
    fn reads_a_real_report() {
        let result = parse(REAL).unwrap();
        assert_eq!(result.requests, 223_973);
        assert_eq!(result.requests_per_sec, 44_717.24);
        assert_eq!(result.p50, Duration::from_micros(716));
        // "0.98ms" and "4.33ms": wrk switches units at 1 ms.
        assert_eq!(result.p99, Duration::from_micros(4330));
        assert_eq!(result.socket_errors, 0);
        assert_eq!(result.non_2xx, 0);
    }

    #[test]
    fn reads_errors_and_every_time_unit() {
        let report = "\
  Latency Distribution
     50%  850.00us
     75%    1.20ms
     90%    2.50ms
     99%    1.50s
  1234 requests in 10.00s, 99.00KB read
  Socket errors: connect 1, read 12, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    123.40
";
        let result = parse(report).unwrap();
        assert_eq!(result.requests, 1234);
        assert_eq!(result.requests_per_sec, 123.4);
        assert_eq!(result.p50, Duration::from_micros(850));
        assert_eq!(result.p99, Duration::from_millis(1500));
        assert_eq!(result.socket_errors, 16);
        assert_eq!(result.non_2xx, 7);
        assert_eq!(time("2.00m"), Ok(Duration::from_secs(120)));
        assert!(time("3.00parsecs").is_err());
    }

    #[test]
    fn a_report_without_latencies_is_an_error() {
        let plain =
            "  10 requests in 1.00s, 1.00KB read\nRequests/sec: 10.00\n";
        assert!(parse(plain).unwrap_err().contains("--latency"));
    }
}
