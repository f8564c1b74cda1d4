//! The report: the table printed at the end (and saved as
//! `bench/results/table.txt`), and the mermaid charts the book includes
//! (`bench/results/*.md`).

use std::fmt::Write;
use std::time::Duration;

use ch05_green_io::harness::units::grouped;

use crate::http::BUF_SIZE;
use crate::measure::Samples;
use crate::measure::capacity::CapacityRow;
use crate::measure::echo::EchoRow;
use crate::measure::http::{HttpRow, HttpSample};
use crate::measure::idle::IdleRow;
use crate::measure::tasks::TaskRow;
use crate::plan::Plan;
use crate::servers::Server;
use crate::stats::{median, spread};
use crate::wrk;

/// Width of the server column.
const NAME: usize = 24;

/// The median of `field` over a row's samples, if any.
fn mid<S>(runs: &Samples<S>, field: impl Fn(&S) -> f64) -> Option<f64> {
    median(&runs.samples.iter().map(field).collect::<Vec<_>>())
}

fn spread_of<S>(runs: &Samples<S>, field: impl Fn(&S) -> f64) -> String {
    match spread(&runs.samples.iter().map(field).collect::<Vec<_>>()) {
        Some(s) if runs.samples.len() > 1 => format!("{:.0} %", s * 100.0),
        _ => "-".into(),
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// A time in µs, with a decimal below 10 µs.
fn us(value: Option<f64>) -> String {
    match value {
        Some(v) if v < 10.0 => format!("{v:.1} µs"),
        Some(v) => format!("{} µs", grouped(v, 0)),
        None => "-".into(),
    }
}

/// Appends "(n of m runs failed: first error)" lines for a row.
fn failures<S>(out: &mut String, server: Server, runs: &Samples<S>) {
    if let Some(first) = runs.failures.first() {
        let _ = writeln!(
            out,
            "  ! {}: {} of {} runs failed, the first: {first}",
            server.name(),
            runs.failures.len(),
            runs.failures.len() + runs.samples.len()
        );
    }
}

pub fn http_section(plan: &Plan, rows: &[HttpRow]) -> String {
    let mut out = String::new();
    let warmup = plan.wrk_warmup.map_or(String::new(), |w| {
        format!(", after a {} s warm-up", w.as_secs())
    });
    let example = wrk::args(
        "127.0.0.1:PORT"
            .parse()
            .unwrap_or(([127, 0, 0, 1], 0).into()),
        plan.wrk_threads,
        0,
        plan.wrk_duration,
    );
    let _ = writeln!(
        out,
        "HTTP/1.1 hello world under wrk{warmup}:\n  wrk {}",
        example
            .join(" ")
            .replace("-c 0", "-c CONNS")
            .replace(":0/", ":PORT/")
    );
    let _ = writeln!(
        out,
        "  {:<NAME$} {:>5} {:>9} {:>6} {:>9} {:>10} {:>8} {:>6}",
        "server", "conns", "req/s", "spread", "p50", "p99", "CPU/req", "errors"
    );
    for row in rows {
        let runs = &row.runs;
        let errors = mid(runs, |s| s.errors as f64);
        let _ = writeln!(
            out,
            "  {:<NAME$} {:>5} {:>9} {:>6} {:>9} {:>10} {:>8} {:>6}",
            row.server.label(),
            row.connections,
            mid(runs, |s| s.requests_per_sec)
                .map_or("-".into(), |v| grouped(v, 0)),
            spread_of(runs, |s| s.requests_per_sec),
            us(mid(runs, |s| micros(s.p50))),
            us(mid(runs, |s| micros(s.p99))),
            us(mid(runs, |s| micros(s.cpu_per_request))),
            errors.map_or("-".into(), |e| grouped(e, 0)),
        );
    }
    for row in rows {
        failures(&mut out, row.server, &row.runs);
    }
    out.push_str(
        "  req/s, p50, p99: wrk's figures; CPU/req: the server's user + system \
         time\n  during the run (/proc/<pid>/stat, all threads) / requests \
         completed;\n  errors: wrk's socket errors and non-2xx replies.\n",
    );
    out
}

pub fn echo_section(plan: &Plan, rows: &[EchoRow]) -> String {
    let mut out = String::new();
    let (connections, messages, threads) = plan.echo;
    let _ = writeln!(
        out,
        "64-byte echo under the book's load client: {connections} connections \
         × {messages} messages,\n{threads} client threads with one message \
         in flight each"
    );
    let _ = writeln!(
        out,
        "  {:<NAME$} {:>10} {:>6} {:>9}",
        "server", "msg/s", "spread", "CPU/msg"
    );
    for row in rows {
        let runs = &row.runs;
        let _ = writeln!(
            out,
            "  {:<NAME$} {:>10} {:>6} {:>9}",
            row.server.label(),
            mid(runs, |s| s.messages_per_sec)
                .map_or("-".into(), |v| grouped(v, 0)),
            spread_of(runs, |s| s.messages_per_sec),
            us(mid(runs, |s| micros(s.cpu_per_message))),
        );
    }
    for row in rows {
        failures(&mut out, row.server, &row.runs);
    }
    out
}

/// The handler's own buffer, in KiB: what "overhead" leaves out.
pub fn buffer_kib() -> f64 {
    BUF_SIZE as f64 / 1024.0
}

pub fn idle_section(plan: &Plan, rows: &[IdleRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Memory per idle connection: {} echo connections, each idle after \
         one 1-byte echo",
        grouped(plan.idle_connections as f64, 0)
    );
    let _ = writeln!(
        out,
        "  {:<NAME$} {:>10} {:>6} {:>16}",
        "server", "RSS/conn", "spread", "minus the buffer"
    );
    for row in rows {
        let kib = mid(&row.runs, |&k| k);
        let _ = writeln!(
            out,
            "  {:<NAME$} {:>10} {:>6} {:>16}",
            row.server.label(),
            kib.map_or("-".into(), |k| format!("{k:.1} KiB")),
            spread_of(&row.runs, |&k| k),
            kib.map_or("-".into(), |k| format!("{:.1} KiB", k - buffer_kib())),
        );
    }
    for row in rows {
        failures(&mut out, row.server, &row.runs);
    }
    let _ = writeln!(
        out,
        "  RSS/conn: growth of the server's VmRSS / connections. Minus the \
         buffer: the\n  same less the handler's {:.0} KiB buffer, which every \
         server zero-fills\n  (so it is resident) before its first read: what \
         the way of running the\n  handler costs. Kernel memory (socket, and a \
         thread's 16 KiB kernel stack)\n  is in no process's RSS.",
        buffer_kib()
    );
    out
}

pub fn capacity_section(plan: &Plan, rows: &[CapacityRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Idle connections held: up to {}, from loopback addresses 127.0.0.2 \
         and up",
        grouped(plan.max_target as f64, 0)
    );
    let _ = writeln!(
        out,
        "  {:<NAME$} {:>8} {:>10} {:>7} {:>7}",
        "server", "held", "RSS/conn", "maps", "took"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "  {:<NAME$} {:>8} {:>10} {:>7} {:>7}",
            row.server.label(),
            grouped(row.held as f64, 0),
            row.rss_per_connection
                .map_or("-".into(), |k| format!("{k:.1} KiB")),
            row.maps.map_or("-".into(), |m| grouped(m as f64, 0)),
            format!("{:.1} s", row.took.as_secs_f64()),
        );
        for line in wrap(&format!("stopped: {}", row.stopped), 74) {
            let _ = writeln!(out, "    {line}");
        }
    }
    out.push_str(
        "  maps: the server's memory maps at the end (vm.max_map_count \
         limits them).\n",
    );
    out
}

pub fn tasks_section(plan: &Plan, rows: &[TaskRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Task costs: {} empty tasks spawned and joined, {} hand-offs between \
         two tasks",
        grouped(plan.spawns as f64, 0),
        grouped(plan.handoffs as f64, 0)
    );
    let _ = writeln!(
        out,
        "  {:<NAME$} {:>9} {:>6} {:>9} {:>6}",
        "runtime", "spawn", "spread", "hand-off", "spread"
    );
    for row in rows {
        let runs = &row.runs;
        let ns =
            |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.0} ns"));
        let _ = writeln!(
            out,
            "  {:<NAME$} {:>9} {:>6} {:>9} {:>6}",
            row.server.label(),
            ns(mid(runs, |s| s.spawn_ns)),
            spread_of(runs, |s| s.spawn_ns),
            ns(mid(runs, |s| s.handoff_ns)),
            spread_of(runs, |s| s.handoff_ns),
        );
    }
    for row in rows {
        failures(&mut out, row.server, &row.runs);
    }
    out.push_str(
        "  spawn: spawn, one poll, completion and join of an empty task, in \
         batches of\n  1,000. hand-off: one task wakes another through a \
         std-only baton and waits;\n  the same code on every runtime.\n",
    );
    out
}

/// `text` in lines of at most `width` characters, broken between words.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !line.is_empty() && !fits {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

// ---- charts ----

/// A mermaid bar chart, as a Markdown fence.
/// The y axis has no title of its own (mermaid draws it over the tick
/// labels): `title` names the unit.
fn bar_chart(title: &str, description: &str, bars: &[(&str, f64)]) -> String {
    let top = nice_ceiling(bars.iter().map(|b| b.1).fold(0.0, f64::max));
    let names: Vec<String> =
        bars.iter().map(|(name, _)| format!("\"{name}\"")).collect();
    // Small values (KiB per connection) keep a decimal.
    let decimals = if top <= 100.0 { 1 } else { 0 };
    let values: Vec<String> = bars
        .iter()
        .map(|(_, v)| format!("{v:.decimals$}"))
        .collect();
    format!(
        "```mermaid\n---\nconfig:\n  xyChart:\n    width: 640\n    height: \
         360\n---\nxychart-beta\n    accTitle: {title}\n    accDescr: \
         {description}\n    title \"{title}\"\n    x-axis [{}]\n    y-axis \
         0 --> {top}\n    bar [{}]\n```\n",
        names.join(", "),
        values.join(", ")
    )
}

/// A round number a little above `max`, for the top of an axis.
pub fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let step = 10f64.powf((max * 1.1).log10().floor()) / 2.0;
    ((max * 1.1) / step).ceil() * step
}

const GENERATED: &str = "<!-- Written by `cargo run --release -p \
book-bench`; rerun it to regenerate this file. -->\n";

/// The files the charts go to, in `bench/results/`, and what each shows.
pub const CHART_FILES: [(&str, &str); 7] = [
    (
        "http-requests.md",
        "requests/s under wrk, one chart per connections",
    ),
    (
        "http-p99.md",
        "p99 latency under wrk, one chart per connections",
    ),
    (
        "http-cpu.md",
        "server CPU time per request, one chart per connections",
    ),
    (
        "echo-messages.md",
        "echo messages/s under the book's load client",
    ),
    ("idle-memory.md", "resident memory per idle connection"),
    ("idle-max.md", "the most idle connections each server held"),
    ("tasks.md", "spawn and hand-off cost, one chart each"),
];

/// One bar per server that has a value, and the accessible description's
/// list of them ("tokio 1 4.8 KiB, …").
fn bars<R>(
    rows: &[R],
    value: impl Fn(&R) -> Option<(Server, f64)>,
    show: impl Fn(f64) -> String,
) -> (Vec<(&'static str, f64)>, String) {
    let bars: Vec<(&str, f64)> = rows
        .iter()
        .filter_map(|r| value(r).map(|(server, v)| (server.short(), v)))
        .collect();
    let listed: Vec<String> = bars
        .iter()
        .map(|(name, v)| format!("{name} {}", show(*v)))
        .collect();
    (bars, listed.join(", "))
}

/// The charts of one file, or `None` if none has a bar.
fn chart_file(charts: Vec<String>) -> Option<String> {
    (!charts.is_empty()).then(|| {
        let mut out = String::from(GENERATED);
        for chart in charts {
            out.push('\n');
            out.push_str(&chart);
        }
        out
    })
}

/// A chart of one wrk figure per server, one chart per connection count.
fn http_charts(
    plan: &Plan,
    rows: &[HttpRow],
    title: &str,
    what: &str,
    value: impl Fn(&HttpSample) -> f64,
    show: impl Fn(f64) -> String,
) -> Option<String> {
    let charts = plan
        .wrk_connections
        .iter()
        .filter_map(|&connections| {
            let (bars, listed) = bars(
                rows,
                |r| {
                    (r.connections == connections)
                        .then(|| Some((r.server, mid(&r.runs, &value)?)))
                        .flatten()
                },
                &show,
            );
            (!bars.is_empty()).then(|| {
                bar_chart(
                    &format!("{title}, {connections} connections"),
                    &format!(
                        "Hello world over HTTP/1.1 under wrk, {what}: {listed}"
                    ),
                    &bars,
                )
            })
        })
        .collect();
    chart_file(charts)
}

/// The chart files of the HTTP section.
pub fn http_charts_files(
    plan: &Plan,
    rows: &[HttpRow],
) -> Vec<(&'static str, String)> {
    let rate = |v: f64| grouped(v, 0);
    let time = |v: f64| us(Some(v));
    [
        (
            "http-requests.md",
            http_charts(
                plan,
                rows,
                "Requests per second",
                "median requests per second",
                |s| s.requests_per_sec,
                rate,
            ),
        ),
        (
            "http-p99.md",
            http_charts(
                plan,
                rows,
                "p99 latency (µs)",
                "median over the rounds of the 99th percentile latency",
                |s| micros(s.p99),
                time,
            ),
        ),
        (
            "http-cpu.md",
            http_charts(
                plan,
                rows,
                "Server CPU time per request (µs)",
                "the server's user plus system time per request",
                |s| micros(s.cpu_per_request),
                time,
            ),
        ),
    ]
    .into_iter()
    .filter_map(|(name, text)| Some((name, text?)))
    .collect()
}

/// `echo-messages.md`: echo messages per second per server.
pub fn echo_chart(plan: &Plan, rows: &[EchoRow]) -> Option<String> {
    let (bars, listed) = bars(
        rows,
        |r| Some((r.server, mid(&r.runs, |s| s.messages_per_sec)?)),
        |v| grouped(v, 0),
    );
    let (connections, messages, _) = plan.echo;
    chart_file(
        (!bars.is_empty())
            .then(|| {
                bar_chart(
                    "Echo messages per second",
                    &format!(
                        "64-byte echo, {connections} connections × {messages} \
                         messages, median messages per second: {listed}"
                    ),
                    &bars,
                )
            })
            .into_iter()
            .collect(),
    )
}

/// `idle-memory.md`: memory per idle connection per server.
pub fn memory_chart(plan: &Plan, rows: &[IdleRow]) -> Option<String> {
    let (bars, listed) = bars(
        rows,
        |r| Some((r.server, mid(&r.runs, |&k| k)?)),
        |k| format!("{k:.1} KiB"),
    );
    chart_file(
        (!bars.is_empty())
            .then(|| {
                bar_chart(
                    &format!(
                        "KiB per idle connection ({} connections)",
                        grouped(plan.idle_connections as f64, 0)
                    ),
                    &format!(
                        "Growth of the server's resident memory per idle \
                         connection, including the handler's 4 KiB buffer: \
                         {listed}"
                    ),
                    &bars,
                )
            })
            .into_iter()
            .collect(),
    )
}

/// `idle-max.md`: idle connections each server held.
pub fn capacity_chart(plan: &Plan, rows: &[CapacityRow]) -> Option<String> {
    let (bars, listed) =
        bars(rows, |r| Some((r.server, r.held as f64)), |n| grouped(n, 0));
    chart_file(
        (!bars.is_empty())
            .then(|| {
                bar_chart(
                    "Idle connections held",
                    &format!(
                        "How many idle connections each server held, trying \
                         for {}: {listed}",
                        grouped(plan.max_target as f64, 0)
                    ),
                    &bars,
                )
            })
            .into_iter()
            .collect(),
    )
}

/// `tasks.md`: spawn cost, and hand-off cost, per runtime.
pub fn tasks_chart(rows: &[TaskRow]) -> Option<String> {
    let ns = |v: f64| format!("{v:.0} ns");
    let charts = [
        ("Spawn and join an empty task (ns)", "spawn", 0),
        ("Hand-off between two tasks (ns)", "hand-off", 1),
    ]
    .into_iter()
    .filter_map(|(title, what, field)| {
        let (bars, listed) = bars(
            rows,
            |r| {
                let v = mid(&r.runs, |s| {
                    if field == 0 { s.spawn_ns } else { s.handoff_ns }
                })?;
                Some((r.server, v))
            },
            ns,
        );
        (!bars.is_empty()).then(|| {
            bar_chart(
                title,
                &format!("Median nanoseconds per {what}: {listed}"),
                &bars,
            )
        })
    })
    .collect();
    chart_file(charts)
}

// ---- against tokio current_thread ----

/// Each server's figures as multiples of tokio current_thread's: the
/// requests/s, p99 and CPU per request at the first wrk connection count,
/// echo messages/s, and memory per idle connection.
pub fn ratios_section(
    plan: &Plan,
    http: &[HttpRow],
    echo: &[EchoRow],
    idle: &[IdleRow],
) -> String {
    let base = Server::TokioCurrent;
    let Some(&conns) = plan.wrk_connections.first() else {
        return String::new();
    };
    let http_at = |server: Server, field: &dyn Fn(&HttpSample) -> f64| {
        http.iter()
            .find(|r| r.server == server && r.connections == conns)
            .and_then(|r| mid(&r.runs, field))
    };
    let echo_of = |server: Server| {
        echo.iter()
            .find(|r| r.server == server)
            .and_then(|r| mid(&r.runs, |s| s.messages_per_sec))
    };
    let idle_of = |server: Server| {
        idle.iter()
            .find(|r| r.server == server)
            .and_then(|r| mid(&r.runs, |&k| k))
    };
    let figures = |server: Server| -> [Option<f64>; 5] {
        [
            http_at(server, &|s| s.requests_per_sec),
            http_at(server, &|s| micros(s.p99)),
            http_at(server, &|s| micros(s.cpu_per_request)),
            echo_of(server),
            idle_of(server),
        ]
    };
    let base_figures = figures(base);
    if base_figures.iter().all(Option::is_none) {
        return String::new();
    }
    let mut servers: Vec<Server> = Vec::new();
    for server in http
        .iter()
        .map(|r| r.server)
        .chain(echo.iter().map(|r| r.server))
        .chain(idle.iter().map(|r| r.server))
    {
        if !servers.contains(&server) {
            servers.push(server);
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Against tokio current_thread (its figure = 1.00×; medians of the \
         rows above):"
    );
    let _ = writeln!(
        out,
        "  {:<NAME$} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "server",
        format!("req/s@{conns}"),
        format!("p99@{conns}"),
        "CPU/req",
        "echo/s",
        "KiB/conn"
    );
    for server in servers {
        let cells: Vec<String> = figures(server)
            .iter()
            .zip(base_figures.iter())
            .map(|(v, b)| match (v, b) {
                (Some(v), Some(b)) if *b != 0.0 => format!("{:.2}×", v / b),
                _ => "-".into(),
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:<NAME$} {:>9} {:>9} {:>9} {:>9} {:>9}",
            server.label(),
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4]
        );
    }
    let _ = writeln!(
        out,
        "  req/s and echo/s: higher is better; p99, CPU/req (both at {conns} \
         connections)\n  and KiB per idle connection: lower is better."
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::echo::EchoSample;

    fn http_row(server: Server, rate: f64, p99_us: u64) -> HttpRow {
        HttpRow {
            server,
            connections: 50,
            runs: Samples {
                samples: vec![HttpSample {
                    requests_per_sec: rate,
                    p50: Duration::from_micros(p99_us / 2),
                    p99: Duration::from_micros(p99_us),
                    cpu_per_request: Duration::from_micros(10),
                    errors: 0,
                }],
                failures: Vec::new(),
            },
        }
    }

    #[test]
    fn ratios_divide_by_tokio_current_thread() {
        let plan = Plan::smoke();
        let http = [
            http_row(Server::TokioCurrent, 20_000.0, 1_000),
            http_row(Server::OursCurrent, 30_000.0, 500),
        ];
        let echo = [EchoRow {
            server: Server::OursCurrent,
            runs: Samples {
                samples: vec![EchoSample {
                    messages_per_sec: 1.0,
                    cpu_per_message: Duration::ZERO,
                }],
                failures: Vec::new(),
            },
        }];
        let text = ratios_section(&plan, &http, &echo, &[]);
        let line = |label: &str| {
            text.lines()
                .find(|l| l.contains(label))
                .unwrap()
                .to_string()
        };
        let ours: Vec<String> = line("ours current_thread")
            .split_whitespace()
            .skip(2)
            .map(String::from)
            .collect();
        // req/s, p99, CPU/req; no tokio echo or memory to divide by.
        assert_eq!(ours, ["1.50×", "0.50×", "1.00×", "-", "-"], "{text}");
        assert!(line("tokio current_thread").contains("1.00×"));
        // Without tokio current_thread there is nothing to compare with.
        assert!(ratios_section(&plan, &http[1..], &echo, &[]).is_empty());
    }

    #[test]
    fn every_chart_file_is_named_and_has_its_charts() {
        let plan = Plan::smoke();
        let http = [
            http_row(Server::TokioCurrent, 20_000.0, 1_000),
            http_row(Server::Callbacks, 30_000.0, 500),
        ];
        let files = http_charts_files(&plan, &http);
        let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["http-requests.md", "http-p99.md", "http-cpu.md"]);
        for (name, text) in &files {
            assert!(CHART_FILES.iter().any(|(known, _)| known == name));
            assert!(text.starts_with(GENERATED), "{name}");
            assert_eq!(text.matches("xychart-beta").count(), 1, "{name}");
            assert!(text.contains("[\"tokio 1\", \"callbacks\"]"), "{text}");
        }
        assert!(http_charts_files(&plan, &[]).is_empty());
    }

    #[test]
    fn wraps_between_words() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("a-very-long-word x", 4), ["a-very-long-word", "x"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn axis_tops_are_round_and_above_the_data() {
        assert_eq!(nice_ceiling(220_000.0), 250_000.0);
        assert_eq!(nice_ceiling(13.7), 20.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert!(nice_ceiling(99_999.0) >= 99_999.0);
    }

    #[test]
    fn a_chart_is_a_mermaid_xychart_with_accessible_names() {
        let chart = bar_chart("T", "D", &[("a", 1.44), ("b", 2.6)]);
        assert!(chart.starts_with("```mermaid\n---\nconfig:\n"));
        assert!(chart.contains("\n---\nxychart-beta\n"));
        assert!(
            chart.contains("accTitle: T\n") && chart.contains("accDescr: D\n")
        );
        assert!(chart.contains("x-axis [\"a\", \"b\"]"));
        assert!(chart.contains("bar [1.4, 2.6]"));
        let big = bar_chart("T", "D", &[("a", 1234.5)]);
        assert!(big.contains("bar [1234]") || big.contains("bar [1235]"));
        assert!(chart.ends_with("```\n"));
    }
}
