//! Many tasks wait for one message each, served two ways, measured.
//!
//! cargo run --release -p ch02-io-strategies --bin many-waiters -- [--tasks N] [--ways threads,poll,epoll] [--pause-us N]

use std::io;
use std::process::{Command, ExitCode};
use std::time::Duration;

use ch02_io_strategies::harness::limits::raise_fd_limit;
use ch02_io_strategies::harness::machine;
use ch02_io_strategies::ways::Way;
use ch02_io_strategies::workload::{self, Report};

/// Tasks if `--tasks` is not given: each needs a pipe, that is two files.
const DEFAULT_TASKS: usize = 9_000;
/// Files the process keeps open besides the pipes (stdio, epoll, ...).
const SPARE_FILES: u64 = 64;

struct Options {
    tasks: usize,
    ways: Vec<Way>,
    /// Pause of the feeder between two messages.
    pause: Duration,
    /// Set in the child process that measures a single way: print only its report.
    report_only: bool,
}

fn main() -> ExitCode {
    match parse_options().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("many-waiters: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: Options) -> io::Result<()> {
    let limit = raise_fd_limit()?;
    if options.report_only {
        // We are a child of `measure_in_child`; the parent printed the header.
        for way in options.ways {
            print_report(&workload::run(way, options.tasks, options.pause)?);
        }
        return Ok(());
    }
    println!("{}", machine::line());
    let fitting = usize::try_from(limit.saturating_sub(SPARE_FILES) / 2)
        .unwrap_or(usize::MAX);
    let tasks = options.tasks.min(fitting);
    println!(
        "open-file limit: {limit}; tasks: {tasks}, each waiting on its own pipe"
    );
    if !options.pause.is_zero() {
        println!(
            "the feeder pauses {} µs between two messages",
            options.pause.as_micros()
        );
    }
    for way in options.ways {
        measure_in_child(way, tasks, options.pause)?;
    }
    Ok(())
}

/// Measures `way` in a fresh process, so that memory an earlier way freed
/// (and the allocator kept) cannot make this one look cheaper.
fn measure_in_child(way: Way, tasks: usize, pause: Duration) -> io::Result<()> {
    let status = Command::new(std::env::current_exe()?)
        .args(["--tasks", &tasks.to_string(), "--ways", way.name()])
        .args(["--pause-us", &pause.as_micros().to_string()])
        .args(["--report-only", "yes"])
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "measuring {} failed: {status}",
            way.name()
        )))
    }
}

fn print_report(report: &Report) {
    let tasks = report.tasks.max(1) as f64;
    let growth_kib = report.resident_growth_kib as f64;
    let switches = report.voluntary_switches as f64;
    println!();
    println!("{}", report.way.description());
    println!(
        "  messages delivered:         {} of {}",
        report.delivered, report.tasks
    );
    println!("  threads that wait:          {}", report.waiting_threads);
    println!(
        "  time until all wait:        {}",
        millis(report.until_waiting)
    );
    println!("  time to deliver:            {}", millis(report.delivery));
    println!("  CPU time, all threads:      {}", millis(report.cpu));
    println!(
        "  resident memory growth:     {:.1} MiB ({:.1} KiB per task)",
        growth_kib / 1024.0,
        growth_kib / tasks
    );
    println!(
        "  voluntary context switches: {}× ({:.2}× per task)",
        report.voluntary_switches,
        switches / tasks
    );
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

fn parse_options() -> io::Result<Options> {
    let mut options = Options {
        tasks: DEFAULT_TASKS,
        ways: vec![Way::Threads, Way::Poll],
        pause: Duration::ZERO,
        report_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| invalid(format!("{flag} needs a value")))?;
        match flag.as_str() {
            "--tasks" => {
                options.tasks = value.parse().map_err(|_| {
                    invalid(format!("--tasks wants a number, not {value:?}"))
                })?;
            }
            "--pause-us" => {
                let micros = value.parse().map_err(|_| {
                    invalid(format!("--pause-us wants a number, not {value:?}"))
                })?;
                options.pause = Duration::from_micros(micros);
            }
            "--report-only" => options.report_only = value == "yes",
            "--ways" => {
                options.ways = value
                    .split(',')
                    .map(|name| {
                        Way::from_name(name)
                            .ok_or_else(|| invalid(format!("no way {name:?}")))
                    })
                    .collect::<io::Result<_>>()?;
            }
            _ => {
                return Err(invalid(format!(
                    "unknown option {flag}; try --tasks N --ways threads,poll,epoll --pause-us N"
                )));
            }
        }
    }
    Ok(options)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}
