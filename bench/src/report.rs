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
use crate::measure::http::HttpRow;
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

/// `requests.md`: requests/s per server, one chart per connection count.
pub fn requests_chart(plan: &Plan, rows: &[HttpRow]) -> Option<String> {
    let mut out = String::from(GENERATED);
    for &connections in &plan.wrk_connections {
        let bars: Vec<(&str, f64)> = rows
            .iter()
            .filter(|r| r.connections == connections)
            .filter_map(|r| {
                Some((r.server.short(), mid(&r.runs, |s| s.requests_per_sec)?))
            })
            .collect();
        if bars.is_empty() {
            continue;
        }
        let listed: Vec<String> = bars
            .iter()
            .map(|(name, v)| format!("{name} {}", grouped(*v, 0)))
            .collect();
        out.push('\n');
        out.push_str(&bar_chart(
            &format!("Requests per second, {connections} connections"),
            &format!(
                "Hello world over HTTP/1.1 under wrk, median requests per \
                 second: {}",
                listed.join(", ")
            ),
            &bars,
        ));
    }
    (out.len() > GENERATED.len()).then_some(out)
}

/// `memory.md`: memory per idle connection per server.
pub fn memory_chart(plan: &Plan, rows: &[IdleRow]) -> Option<String> {
    let bars: Vec<(&str, f64)> = rows
        .iter()
        .filter_map(|r| Some((r.server.short(), mid(&r.runs, |&k| k)?)))
        .collect();
    if bars.is_empty() {
        return None;
    }
    let listed: Vec<String> = bars
        .iter()
        .map(|(name, kib)| format!("{name} {kib:.1} KiB"))
        .collect();
    Some(format!(
        "{GENERATED}\n{}",
        bar_chart(
            &format!(
                "KiB per idle connection ({} connections)",
                grouped(plan.idle_connections as f64, 0)
            ),
            &format!(
                "Growth of the server's resident memory per idle connection, \
                 including the handler's 4 KiB buffer: {}",
                listed.join(", ")
            ),
            &bars,
        )
    ))
}

/// `connections.md`: idle connections each server held.
pub fn capacity_chart(plan: &Plan, rows: &[CapacityRow]) -> Option<String> {
    let bars: Vec<(&str, f64)> = rows
        .iter()
        .map(|r| (r.server.short(), r.held as f64))
        .collect();
    if bars.is_empty() {
        return None;
    }
    let listed: Vec<String> = bars
        .iter()
        .map(|(name, n)| format!("{name} {}", grouped(*n, 0)))
        .collect();
    Some(format!(
        "{GENERATED}\n{}",
        bar_chart(
            "Idle connections held",
            &format!(
                "How many idle connections each server held, trying for {}: {}",
                grouped(plan.max_target as f64, 0),
                listed.join(", ")
            ),
            &bars,
        )
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

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
