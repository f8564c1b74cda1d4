//! `cargo run --release -p book-bench -- [--quick | --smoke] [--only NAME,…]
//! [--rounds N]`: measures the book's servers against tokio and prints a
//! table; progress goes to standard error while it runs. A full run also
//! writes `bench/results/` (the table and the charts the book includes).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use book_bench::child::{self, value};
use book_bench::limits::raise_descriptor_limit;
use book_bench::measure::{capacity, echo, http, idle, tasks};
use book_bench::plan::{Plan, Section};
use book_bench::servers::{self, Server};
use book_bench::{proc, report, wrk};
use ch05_green_io::harness::{machine, procfs};

const USAGE: &str = "\
usage: cargo run --release -p book-bench -- [--quick | --smoke] [--only NAME,...] [--rounds N]
  --quick   smaller sizes, 3 rounds (about 3 minutes)
  --smoke   tiny sizes, 1 round, a few seconds: does everything still run?
  --only    sections (http, echo, idle, max, tasks) and/or servers
            (threads, green, callbacks, ours-ct, ours-mt, tokio-ct, tokio-mt)
  --rounds  interleaved rounds (default: 5, --quick 3, --smoke 1)
A full or --quick run of every section rewrites bench/results/.";

/// What the command line asked for.
struct Options {
    plan: Plan,
    sections: Vec<Section>,
    servers: Vec<Server>,
    /// Every section and server: the results files may be rewritten.
    complete: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut plan = Plan::full();
    let (mut sections, mut servers) = (Vec::new(), Vec::new());
    let mut rounds = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => plan = Plan::quick(),
            "--smoke" => plan = Plan::smoke(),
            "--only" => {
                let names = args.next().ok_or("--only needs names")?;
                for name in names.split(',') {
                    if let Some(section) = Section::from_name(name) {
                        sections.push(section);
                    } else if let Some(server) = Server::from_name(name) {
                        servers.push(server);
                    } else {
                        return Err(format!("unknown name {name:?}"));
                    }
                }
            }
            "--rounds" => {
                let n = args.next().ok_or("--rounds needs a number")?;
                rounds = Some(n.parse().map_err(|_| format!("bad {n:?}"))?);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if let Some(rounds) = rounds {
        plan.rounds = rounds;
    }
    let complete = sections.is_empty() && servers.is_empty();
    if sections.is_empty() {
        sections = Section::ALL.to_vec();
    }
    if servers.is_empty() {
        servers = Server::ALL.to_vec();
    }
    Ok(Options {
        plan,
        sections,
        servers,
        complete,
    })
}

/// A child process's job: `--tasks SERVER --spawns N --handoffs N`.
fn task_costs(args: &[String]) -> io::Result<()> {
    let bad = |what| io::Error::new(io::ErrorKind::InvalidInput, what);
    let server = value(args, "--tasks")
        .and_then(Server::from_name)
        .ok_or_else(|| bad("--tasks needs a runtime name"))?;
    let number = |flag| {
        value(args, flag)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad("--spawns and --handoffs need numbers"))
    };
    let (spawn_ns, handoff_ns) = servers::task_costs(
        server,
        number("--spawns")?,
        number("--handoffs")?,
    )?;
    let sample = tasks::TaskSample {
        spawn_ns,
        handoff_ns,
    };
    print!("{}", tasks::format(sample));
    io::stdout().flush()
}

/// A child process's job: `--hold ADDR --count N --sources K --seconds S`.
fn hold(args: &[String]) -> io::Result<()> {
    let bad = |what| io::Error::new(io::ErrorKind::InvalidInput, what);
    let addr = value(args, "--hold")
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| bad("--hold needs an address"))?;
    let number = |flag| {
        value(args, flag)
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| bad("--count, --sources and --seconds need numbers"))
    };
    capacity::hold(
        addr,
        number("--count")? as usize,
        number("--sources")?.min(250) as u8,
        number("--seconds")?,
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--serve") => child::serve(&args),
        Some("--tasks") => task_costs(&args),
        Some("--hold") => hold(&args),
        Some("--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => match parse(&args) {
            Ok(options) => bench(&options),
            Err(e) => {
                eprintln!("book-bench: {e}\n{USAGE}");
                return ExitCode::FAILURE;
            }
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("book-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The command that reproduces a run, as typed from the repository root.
fn command_line(options: &Options) -> String {
    let mut line = "cargo run --release -p book-bench".to_string();
    let flag = match options.plan.name {
        "quick" => Some("--quick"),
        "smoke" => Some("--smoke"),
        _ => None,
    };
    if let Some(flag) = flag {
        line.push_str(" -- ");
        line.push_str(flag);
    }
    line
}

fn bench(options: &Options) -> io::Result<()> {
    let started = Instant::now();
    let plan = &options.plan;
    let (fds, raised) = raise_descriptor_limit()?;
    let load_before = proc::load_average();
    let available: Vec<Server> = options
        .servers
        .iter()
        .copied()
        .filter(|s| s.missing().is_none())
        .collect();
    eprintln!(
        "book-bench: a {} run of {} on {}; the table comes at the end",
        plan.name,
        names(&options.sections),
        available
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let mut out = String::new();
    out.push_str(&format!("{}\n", machine::line()));
    let sysctl =
        |path| procfs::sysctl(path).map_or("?".into(), |n| n.to_string());
    out.push_str(&format!(
        "limits: {fds} descriptors ({}), vm.max_map_count {}, kernel.pid_max {}\n",
        if raised { "raised to fs.nr_open" } else { "the hard limit" },
        sysctl("vm/max_map_count"),
        sysctl("kernel/pid_max"),
    ));
    out.push_str(&format!(
        "method: {} run, {} interleaved round{} (each round runs every server \
         once,\nin rotating order); each figure is the median of its rounds, \
         and spread is\n(max - min) / median. Every server runs alone in a \
         child process on\n127.0.0.1, not pinned to a CPU: the multi-threaded \
         ones need both cores, and\nwrk shares them. This machine is noisy \
         (other work, the host, the CPU\nclock): interleaving spreads a slow \
         minute over every server instead of\nblaming one, and the median \
         drops it.\n",
        plan.name,
        plan.rounds,
        if plan.rounds == 1 { "" } else { "s" }
    ));
    let missing: Vec<String> = options
        .servers
        .iter()
        .filter_map(|s| Some(format!("{}: {}", s.name(), s.missing()?)))
        .collect();
    if !missing.is_empty() {
        out.push_str("not measured yet:\n");
        for server in missing {
            out.push_str(&format!("  {server}\n"));
        }
    }

    let mut files: Vec<(&str, String)> = Vec::new();
    // Kept for the comparison with tokio current_thread at the end.
    let (mut http_rows, mut echo_rows, mut idle_rows) =
        (Vec::new(), Vec::new(), Vec::new());
    for &section in &options.sections {
        out.push('\n');
        match section {
            Section::Http => match wrk::find() {
                Some(wrk) => {
                    http_rows = http::run(plan, &available, &wrk);
                    out.push_str(&report::http_section(plan, &http_rows));
                    files.extend(report::http_charts_files(plan, &http_rows));
                }
                None => {
                    let why = format!(
                        "HTTP: skipped, wrk is not installed; {}\n",
                        wrk::INSTALL
                    );
                    eprint!("{why}");
                    out.push_str(&why);
                }
            },
            Section::Echo => {
                echo_rows = echo::run(plan, &available);
                out.push_str(&report::echo_section(plan, &echo_rows));
                if let Some(chart) = report::echo_chart(plan, &echo_rows) {
                    files.push(("echo-messages.md", chart));
                }
            }
            Section::Idle => {
                idle_rows = idle::run(plan, &available);
                out.push_str(&report::idle_section(plan, &idle_rows));
                if let Some(chart) = report::memory_chart(plan, &idle_rows) {
                    files.push(("idle-memory.md", chart));
                }
            }
            Section::Capacity => {
                let rows = capacity::run(plan, &available);
                out.push_str(&report::capacity_section(plan, &rows));
                if let Some(chart) = report::capacity_chart(plan, &rows) {
                    files.push(("idle-max.md", chart));
                }
            }
            Section::Tasks => {
                let rows = tasks::run(plan, &available);
                out.push_str(&report::tasks_section(plan, &rows));
                if let Some(chart) = report::tasks_chart(&rows) {
                    files.push(("tasks.md", chart));
                }
            }
        }
    }
    let ratios =
        report::ratios_section(plan, &http_rows, &echo_rows, &idle_rows);
    if !ratios.is_empty() {
        out.push('\n');
        out.push_str(&ratios);
    }
    let load = |l: Option<f64>| l.map_or("?".into(), |l| format!("{l:.2}"));
    let took = started.elapsed().as_secs();
    out.push_str(&format!(
        "\nload average (1 min): {} at the start, {} at the end; took {} min {} s\n",
        load(load_before),
        load(proc::load_average()),
        took / 60,
        took % 60
    ));
    print!("{out}");
    io::stdout().flush()?;

    if options.complete && plan.name != "smoke" {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
        let table = format!("$ {}\n{out}", command_line(options));
        write_results(&dir, &table, &files)?;
        eprintln!("book-bench: wrote {}", dir.display());
    } else {
        eprintln!("book-bench: results not written (a smoke or --only run)");
    }
    Ok(())
}

fn names(sections: &[Section]) -> String {
    sections
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_results(
    dir: &PathBuf,
    table: &str,
    files: &[(&str, String)],
) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("table.txt"), table)?;
    for (name, text) in files {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}
