//! Where a request's CPU time goes: each server under wrk, sampled by
//! `perf record`, its symbols sorted into kernel and user-space buckets
//! ([`buckets`]), each bucket's share turned into microseconds per request.
//!
//! `cargo run --release -p book-bench --bin profile -- [--only
//! ours-ct,tokio-ct] [--seconds 10] [--conns 50]`
//!
//! The bench says how fast each server is; this says what the difference
//! is made of when two differ: chapter 15 shows it where our runtime and
//! tokio's part. The server and the load are the bench's own (the
//! hello-world service in a [`ServerProcess`], [`wrk`] with the bench's
//! arguments); [`perf`] runs perf, [`report`] prints the tables.

pub mod buckets;
pub mod perf;
pub mod report;

use std::io;
use std::path::Path;
use std::thread;
use std::time::Duration;

use ch05_green_io::harness::units::grouped;

use crate::child::ServerProcess;
use crate::measure::Progress;
use crate::servers::{Server, Service};
use crate::wrk;
use buckets::{Bucket, classify};
use perf::{DataFile, Entry, RecordError};

/// The unmeasured wrk run that comes first, as in the bench: the server's
/// buffers, tasks and caches grown before they are sampled.
pub const WARMUP: Duration = Duration::from_secs(1);

/// What the command line asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub servers: Vec<Server>,
    /// wrk's run; perf records one second less of it.
    pub seconds: u64,
    /// wrk's connections (`-c`).
    pub connections: usize,
}

impl Default for Options {
    /// The pair chapter 15 compares, for 10 s at 50 connections (one of
    /// the bench's two loads).
    fn default() -> Options {
        Options {
            servers: vec![Server::OursCurrent, Server::TokioCurrent],
            seconds: 10,
            connections: 50,
        }
    }
}

pub const USAGE: &str = "\
usage: cargo run --release -p book-bench --bin profile -- [--only NAME,...] [--seconds N] [--conns N]
  --only     servers (threads, green, callbacks, ours-ct, ours-mt, tokio-ct,
             tokio-mt); default ours-ct,tokio-ct
  --seconds  wrk's run (default 10); perf samples one second less of it
  --conns    wrk's connections (default 50)
A run with the defaults rewrites bench/results/profile.txt and
profile-summary.txt (the side-by-side table).";

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut only = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut next = || {
                args.next()
                    .map(String::as_str)
                    .ok_or(format!("{arg} needs a value"))
            };
            match arg.as_str() {
                "--only" => {
                    for name in next()?.split(',') {
                        only.push(
                            Server::from_name(name)
                                .ok_or(format!("unknown server {name:?}"))?,
                        );
                    }
                }
                "--seconds" => {
                    let n = next()?;
                    options.seconds =
                        n.parse().ok().filter(|&s| s >= 2).ok_or(format!(
                            "--seconds needs 2 or more, not {n:?}"
                        ))?;
                }
                "--conns" => {
                    let n = next()?;
                    options.connections =
                        n.parse().ok().filter(|&c| c >= 1).ok_or(format!(
                            "--conns needs a number, not {n:?}"
                        ))?;
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if !only.is_empty() {
            options.servers = only;
        }
        Ok(options)
    }

    /// The run whose report is kept in `bench/results/profile.txt`.
    pub fn is_default(&self) -> bool {
        *self == Options::default()
    }

    /// The command that reproduces a run, as typed from the repository
    /// root.
    pub fn command_line(&self) -> String {
        let mut line = "cargo run --release -p book-bench --bin profile".into();
        let default = Options::default();
        let mut flags = Vec::new();
        if self.servers != default.servers {
            let names: Vec<&str> =
                self.servers.iter().map(|s| s.name()).collect();
            flags.push(format!("--only {}", names.join(",")));
        }
        if self.seconds != default.seconds {
            flags.push(format!("--seconds {}", self.seconds));
        }
        if self.connections != default.connections {
            flags.push(format!("--conns {}", self.connections));
        }
        if !flags.is_empty() {
            line = format!("{line} -- {}", flags.join(" "));
        }
        line
    }

    /// How long perf samples: from just after wrk starts until a second
    /// before it stops, so every sample falls while wrk is loading the
    /// server.
    pub fn recording(&self) -> Duration {
        Duration::from_secs(self.seconds.saturating_sub(1).max(1))
    }
}

/// A symbol of a profile, with its bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct Symbol {
    pub dso: String,
    pub name: String,
    pub kernel: bool,
    pub samples: u64,
    pub bucket: Bucket,
}

/// Every (shared object, symbol) of a `perf report` once, samples added up
/// where perf lists one twice (two copies of a generic function with the
/// same demangled name), classified, most samples first.
pub fn symbols(entries: &[Entry]) -> Vec<Symbol> {
    let mut symbols: Vec<Symbol> = Vec::new();
    for entry in entries {
        let same = symbols.iter_mut().find(|s| {
            s.kernel == entry.kernel
                && s.dso == entry.dso
                && s.name == entry.symbol
        });
        match same {
            Some(symbol) => symbol.samples += entry.samples,
            None => symbols.push(Symbol {
                dso: entry.dso.clone(),
                name: entry.symbol.clone(),
                kernel: entry.kernel,
                samples: entry.samples,
                bucket: classify(entry.kernel, &entry.dso, &entry.symbol),
            }),
        }
    }
    // Ties by name, so that the order does not depend on perf's.
    symbols.sort_by(|a, b| b.samples.cmp(&a.samples).then(a.name.cmp(&b.name)));
    symbols
}

/// One server's profile.
#[derive(Clone, Debug)]
pub struct Profile {
    pub server: Server,
    /// wrk's figures for the measured run.
    pub requests: u64,
    pub requests_per_sec: f64,
    /// wrk's run, and how long perf sampled of it.
    pub duration: Duration,
    pub recorded: Duration,
    /// The server's CPU time (user + system, all threads) during wrk's run.
    pub cpu: Duration,
    pub symbols: Vec<Symbol>,
}

impl Profile {
    pub fn samples(&self) -> u64 {
        self.symbols.iter().map(|s| s.samples).sum()
    }

    /// CPU time per request, in µs: the whole run's, from `/proc`, which
    /// counts every tick of every thread (sampling only estimates it).
    pub fn cpu_per_request_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64
    }

    /// The fraction of the samples for which `keep` holds.
    pub fn share(&self, keep: impl Fn(&Symbol) -> bool) -> f64 {
        let kept: u64 = self
            .symbols
            .iter()
            .filter(|s| keep(s))
            .map(|s| s.samples)
            .sum();
        kept as f64 / self.samples().max(1) as f64
    }

    /// µs per request spent where `keep` holds: its share of the samples
    /// times the CPU time per request. Sampling tells the split, `/proc`
    /// the total.
    pub fn us_per_request(&self, keep: impl Fn(&Symbol) -> bool) -> f64 {
        self.share(keep) * self.cpu_per_request_us()
    }
}

/// Why a server's profile is missing.
#[derive(Debug)]
pub enum Failure {
    /// perf would not record: it would not for any other server either.
    PerfRefused(String),
    /// This server's run failed (it did not start, wrk failed, perf report
    /// failed).
    Run(String),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Run(e.to_string())
    }
}

/// Starts `server`, warms it up, and runs wrk on it while perf samples it;
/// then reads the samples. The server is killed and perf's file removed
/// however it ends.
pub fn measure(
    server: Server,
    options: &Options,
    wrk: &Path,
    perf: &Path,
    progress: &Progress,
) -> Result<Profile, Failure> {
    let process = ServerProcess::start(server, Service::Http)?;
    let addr = process.addr();
    let run = |duration| {
        wrk::run(&wrk.to_path_buf(), addr, 1, options.connections, duration)
    };
    progress.note(&format!(
        "{}: warm-up, {} s",
        server.name(),
        WARMUP.as_secs()
    ));
    run(WARMUP)?;
    let duration = Duration::from_secs(options.seconds);
    let recorded = options.recording();
    let data = DataFile::new(server.name());
    progress.note(&format!(
        "{}: wrk for {} s, perf recording {} s",
        server.name(),
        duration.as_secs(),
        recorded.as_secs()
    ));
    let before = process.cpu_time()?;
    let (load, record) = thread::scope(|scope| {
        let load = scope.spawn(|| run(duration));
        let record = perf::record(perf, process.pid(), data.path(), recorded);
        (load.join(), record)
    });
    let after = process.cpu_time()?;
    let result = load.map_err(|_| {
        Failure::Run("the thread running wrk panicked".into())
    })??;
    match record {
        Ok(()) => {}
        Err(RecordError::Refused(why)) => {
            return Err(Failure::PerfRefused(why));
        }
        Err(RecordError::Io(e)) => return Err(e.into()),
    }
    if result.requests == 0 {
        return Err(Failure::Run(format!(
            "no request completed; the server said: {}",
            process.log().join("; ")
        )));
    }
    // The server's part is over: it stops before perf report reads the
    // file, and takes no CPU from it.
    drop(process);
    progress.note(&format!("{}: perf report", server.name()));
    let text = perf::report(perf, data.path())?;
    let event = perf::event(&text).unwrap_or("?");
    if perf::kernel_excluded(event) {
        return Err(Failure::PerfRefused(format!(
            "perf recorded user space only (event '{event}'): this user may \
             not sample the kernel"
        )));
    }
    let entries = perf::parse_report(&text).map_err(Failure::Run)?;
    if entries.is_empty() {
        return Err(Failure::Run("perf recorded no samples".into()));
    }
    Ok(Profile {
        server,
        requests: result.requests,
        requests_per_sec: result.requests_per_sec,
        duration,
        recorded,
        cpu: after.saturating_sub(before),
        symbols: symbols(&entries),
    })
}

/// What a run printed, and whether every server gave a profile.
pub struct Outcome {
    pub text: String,
    /// The title, the side-by-side table and the footer: what a page shows
    /// when the whole report would be too long.
    pub summary: String,
    pub complete: bool,
}

/// Profiles every server of `options` in turn, and the report: the
/// command, the machine, each server's buckets and top symbols, then the
/// buckets side by side. Progress goes to standard error. An `Err` is
/// perf refusing to record, which ends the run.
pub fn run(
    options: &Options,
    wrk: &Path,
    perf: &Path,
) -> Result<Outcome, String> {
    let load_before = crate::proc::load_average();
    let mut text = report::header(options);
    let mut profiles = Vec::new();
    let mut complete = true;
    let mut progress = Progress::new("profile", options.servers.len());
    for &server in &options.servers {
        match measure(server, options, wrk, perf, &progress) {
            Ok(profile) => {
                progress.step(
                    server.name(),
                    &format!(
                        "{} req/s, {:.2} µs CPU per request, {} samples",
                        grouped(profile.requests_per_sec, 0),
                        profile.cpu_per_request_us(),
                        profile.samples()
                    ),
                );
                text.push('\n');
                text.push_str(&report::server_section(&profile));
                profiles.push(profile);
            }
            Err(Failure::PerfRefused(why)) => {
                return Err(format!("{why}\n{}", perf::PARANOID));
            }
            Err(Failure::Run(why)) => {
                progress.step(server.name(), &format!("failed: {why}"));
                text.push_str(&format!(
                    "\n! {}: failed: {why}\n",
                    server.name()
                ));
                complete = false;
            }
        }
    }
    let mut summary = report::title(options);
    if !profiles.is_empty() {
        let comparison = report::comparison(&profiles);
        text.push('\n');
        text.push_str(&comparison);
        summary.push_str(&comparison);
    }
    let footer = report::footer(load_before, crate::proc::load_average());
    text.push_str(&footer);
    summary.push_str(&footer);
    Ok(Outcome {
        text,
        summary,
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn reads_the_command_line() {
        assert_eq!(Options::parse(&[]), Ok(Options::default()));
        assert!(Options::default().is_default());
        let options =
            Options::parse(&args("--only tokio-mt --seconds 3 --conns 5"))
                .unwrap();
        assert_eq!(options.servers, [Server::TokioMulti]);
        assert_eq!((options.seconds, options.connections), (3, 5));
        assert!(!options.is_default());
        assert_eq!(options.recording(), Duration::from_secs(2));
        assert_eq!(
            options.command_line(),
            "cargo run --release -p book-bench --bin profile -- \
             --only tokio-mt --seconds 3 --conns 5"
        );
        assert_eq!(
            Options::default().command_line(),
            "cargo run --release -p book-bench --bin profile"
        );
        for bad in [
            "--only nginx",
            "--seconds 1",
            "--conns 0",
            "--seconds",
            "-x",
        ] {
            assert!(Options::parse(&args(bad)).is_err(), "{bad}");
        }
    }

    fn entry(kernel: bool, dso: &str, symbol: &str, samples: u64) -> Entry {
        Entry {
            percent: 0.0,
            samples,
            dso: dso.into(),
            kernel,
            symbol: symbol.into(),
        }
    }

    #[test]
    fn adds_up_a_symbol_perf_lists_twice() {
        // perf lists two copies of a generic function under one name.
        let poll =
            "ch15_runtime::io::registration::Registration::poll_stream_io";
        let entries = [
            entry(true, "[kernel.kallsyms]", "tcp_ack", 5),
            entry(false, "book-bench", poll, 9),
            entry(false, "book-bench", poll, 2),
        ];
        let symbols = symbols(&entries);
        assert_eq!(symbols.len(), 2);
        assert_eq!((symbols[0].name.as_str(), symbols[0].samples), (poll, 11));
        assert_eq!(symbols[0].bucket, Bucket::Runtime);
        assert_eq!(symbols[1].bucket, Bucket::KernelNet);
    }

    #[test]
    fn the_rules_name_nearly_all_of_a_real_profile() {
        let text = include_str!("../../tests/data/perf-report.txt");
        let symbols = symbols(&perf::parse_report(text).unwrap());
        let samples = |bucket| {
            symbols
                .iter()
                .filter(|s| s.bucket == bucket)
                .map(|s| s.samples)
                .sum::<u64>()
        };
        // Of 1,147 samples of our server, 65 are clocks, lists, RCU and
        // speculation mitigations the rules leave to "kernel: other", one
        // is compiler_builtins' division; none is lost.
        let expected = [
            (Bucket::KernelNet, 727),
            (Bucket::KernelEpoll, 77),
            (Bucket::KernelSyscall, 44),
            (Bucket::KernelScheduler, 133),
            (Bucket::KernelOther, 65),
            (Bucket::Runtime, 37),
            (Bucket::Handler, 31),
            (Bucket::Allocator, 0),
            (Bucket::Libc, 22),
            (Bucket::Std, 10),
            (Bucket::UserOther, 1),
        ];
        for (bucket, count) in expected {
            assert_eq!(samples(bucket), count, "{bucket:?}");
        }
        let all: u64 = expected.iter().map(|&(_, count)| count).sum();
        assert_eq!(all, 1147);
    }

    #[test]
    fn turns_shares_into_microseconds_per_request() {
        let profile = Profile {
            server: Server::OursCurrent,
            requests: 1_000_000,
            requests_per_sec: 100_000.0,
            duration: Duration::from_secs(10),
            recorded: Duration::from_secs(9),
            // 10 µs per request.
            cpu: Duration::from_secs(10),
            symbols: symbols(&[
                entry(true, "[kernel.kallsyms]", "tcp_ack", 3),
                entry(false, "book-bench", "tokio::spawn", 1),
            ]),
        };
        assert_eq!(profile.samples(), 4);
        assert!((profile.cpu_per_request_us() - 10.0).abs() < 1e-9);
        assert!((profile.share(|s| s.kernel) - 0.75).abs() < 1e-9);
        let runtime = profile.us_per_request(|s| s.bucket == Bucket::Runtime);
        assert!((runtime - 2.5).abs() < 1e-9);
    }
}
