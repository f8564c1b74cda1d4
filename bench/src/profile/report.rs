//! The profile's report: how it was measured, each server's buckets and
//! top symbols, and the buckets side by side. Numbers are right-aligned in
//! columns of fixed width, so that two runs' reports differ in the values
//! only.

use std::fmt::Write;
use std::time::Duration;

use ch05_green_io::harness::machine;
use ch05_green_io::harness::units::grouped;

use super::buckets::Bucket;
use super::{Options, Profile, Symbol, WARMUP, perf};
use crate::wrk;

/// Width of the bucket column.
const LABEL: usize = 36;

/// Symbols listed per side (kernel, user space) for each server.
const TOP: usize = 10;

/// Longer symbols (tokio's generic ones run to hundreds of characters) are
/// cut here.
const SYMBOL: usize = 100;

/// The command and the machine: the first lines of the report and of its
/// summary.
pub fn title(options: &Options) -> String {
    format!("$ {}\n{}\n", options.command_line(), machine::line())
}

/// The title, then how it was measured.
pub fn header(options: &Options) -> String {
    let mut out = title(options);
    let wrk_args = wrk::args(
        ([127, 0, 0, 1], 0).into(),
        1,
        options.connections,
        Duration::from_secs(options.seconds),
    );
    let data = std::path::Path::new("FILE");
    let perf_args = perf::record_args(0, data, options.recording());
    let _ = write!(
        out,
        "method: each server alone in a child process, serving the bench's \
         HTTP hello\nworld; after a {} s warm-up,\n  wrk {}\nloads it, and \
         from just after wrk starts\n  perf {}\nsamples it (every thread, \
         kernel and user space). CPU per request: the\nserver's user + \
         system time during wrk's run (/proc/<pid>/stat) / requests\n\
         completed. A bucket's µs per request: its share of the samples × \
         CPU per\nrequest (the samples give the split, /proc the total). \
         cpu-clock samples that\nfall due while the kernel has interrupts \
         off are taken where it turns them\nback on: finish_task_switch \
         (scheduler) stands for waking up from a sleep in\nepoll_wait, \
         _raw_spin_unlock_irqrestore (epoll, wake-ups) mostly for waking a\n\
         socket's reader.\n",
        WARMUP.as_secs(),
        wrk_args.join(" ").replace(":0/", ":PORT/"),
        perf_args.join(" ").replace("-p 0", "-p PID"),
    );
    out
}

/// One server: its run, its buckets, its top symbols on either side.
pub fn server_section(profile: &Profile) -> String {
    let mut out = String::new();
    let server = profile.server;
    let cpu = profile.cpu.as_secs_f64();
    let _ = writeln!(out, "{} ({})", server.label(), server.name());
    let _ = writeln!(
        out,
        "  wrk: {:>10} requests in {} s, {:>8} req/s",
        grouped(profile.requests as f64, 0),
        profile.duration.as_secs(),
        grouped(profile.requests_per_sec, 0),
    );
    let _ = writeln!(
        out,
        "  CPU: {:>6.2} µs per request, {:>3.0} % of a core; perf: {:>6} \
         samples in {} s",
        profile.cpu_per_request_us(),
        cpu / profile.duration.as_secs_f64().max(1e-9) * 100.0,
        grouped(profile.samples() as f64, 0),
        profile.recorded.as_secs(),
    );
    let _ =
        writeln!(out, "  {:<LABEL$} {:>7} {:>8}", "bucket", "share", "µs/req");
    let row =
        |out: &mut String, label: &str, keep: &dyn Fn(&Symbol) -> bool| {
            let _ = writeln!(
                out,
                "  {:<LABEL$} {:>5.1} % {:>8.2}",
                label,
                profile.share(keep) * 100.0,
                profile.us_per_request(keep)
            );
        };
    for bucket in Bucket::ALL {
        row(&mut out, bucket.label(), &|s| s.bucket == bucket);
    }
    row(&mut out, "kernel, in all", &|s| s.kernel);
    row(&mut out, "user space, in all", &|s| !s.kernel);
    for (kernel, side) in [(false, "user-space"), (true, "kernel")] {
        let _ = writeln!(out, "  top {side} symbols (self %):");
        let top = profile.symbols.iter().filter(|s| s.kernel == kernel);
        for symbol in top.take(TOP) {
            let _ = writeln!(
                out,
                "    {:>5.2} %  {}",
                symbol.samples as f64 / profile.samples().max(1) as f64 * 100.0,
                cut(&symbol.name, SYMBOL)
            );
        }
    }
    out
}

/// The buckets of every server side by side, in µs per request; with two
/// servers, their difference too.
pub fn comparison(profiles: &[Profile]) -> String {
    let mut out = String::new();
    out.push_str(
        "µs of the server's CPU per request, by bucket (share of the samples \
         × CPU\nper request):\n",
    );
    let pair = profiles.len() == 2;
    let _ = write!(out, "  {:<LABEL$}", "bucket");
    for profile in profiles {
        let _ = write!(out, " {:>9}", profile.server.name());
    }
    if pair {
        let _ = write!(out, " {:>9}", "1st - 2nd");
    }
    out.push('\n');
    let row =
        |out: &mut String, label: &str, value: &dyn Fn(&Profile) -> f64| {
            let _ = write!(out, "  {label:<LABEL$}");
            for profile in profiles {
                let _ = write!(out, " {:>9.2}", value(profile));
            }
            if let [first, second] = profiles {
                let _ = write!(out, " {:>+9.2}", value(first) - value(second));
            }
            out.push('\n');
        };
    for bucket in Bucket::ALL {
        row(&mut out, bucket.label(), &|p| {
            p.us_per_request(|s| s.bucket == bucket)
        });
    }
    row(&mut out, "kernel, in all", &|p| {
        p.us_per_request(|s| s.kernel)
    });
    row(&mut out, "user space, in all", &|p| {
        p.us_per_request(|s| !s.kernel)
    });
    row(&mut out, "CPU per request (/proc)", &|p| {
        p.cpu_per_request_us()
    });
    let _ = write!(out, "  {:<LABEL$}", "req/s (wrk)");
    for profile in profiles {
        let _ = write!(out, " {:>9}", grouped(profile.requests_per_sec, 0));
    }
    out.push('\n');
    out
}

/// The load averages around the run: a loaded machine's profile is
/// another's.
pub fn footer(before: Option<f64>, after: Option<f64>) -> String {
    let load = |l: Option<f64>| l.map_or("?".into(), |l| format!("{l:.2}"));
    format!(
        "\nload average (1 min): {} at the start, {} at the end\n",
        load(before),
        load(after)
    )
}

/// `text`, cut to `max` characters (the last of them `…`).
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max - 1).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::super::{perf::Entry, symbols};
    use super::*;
    use crate::servers::Server;

    fn profile(server: Server, kernel_samples: u64) -> Profile {
        let entry = |kernel, dso: &str, symbol: &str, samples| Entry {
            percent: 0.0,
            samples,
            dso: dso.into(),
            kernel,
            symbol: symbol.into(),
        };
        Profile {
            server,
            requests: 100_000,
            requests_per_sec: 10_000.0,
            duration: Duration::from_secs(10),
            recorded: Duration::from_secs(9),
            cpu: Duration::from_secs(1),
            symbols: symbols(&[
                entry(true, "[kernel.kallsyms]", "tcp_ack", kernel_samples),
                entry(false, "book-bench", "book_bench::http::parse", 10),
            ]),
        }
    }

    #[test]
    fn two_runs_differ_only_in_their_values() {
        let shape = |text: &str| {
            text.replace(|c: char| c.is_ascii_digit(), "9")
                .lines()
                .map(str::len)
                .collect::<Vec<_>>()
        };
        let one = [
            profile(Server::OursCurrent, 30),
            profile(Server::TokioCurrent, 5),
        ];
        let two = [
            profile(Server::OursCurrent, 7),
            profile(Server::TokioCurrent, 70),
        ];
        assert_eq!(shape(&comparison(&one)), shape(&comparison(&two)));
        assert_eq!(
            shape(&server_section(&one[0])),
            shape(&server_section(&two[0]))
        );
    }

    #[test]
    fn the_comparison_shows_each_server_and_the_difference() {
        let text = comparison(&[
            profile(Server::OursCurrent, 30),
            profile(Server::TokioCurrent, 10),
        ]);
        assert!(text.contains("ours-ct  tokio-ct"), "{text}");
        // 10 µs per request: 30 of 40 samples and 10 of 20 in the kernel.
        let kernel = text.lines().find(|l| l.contains("kernel, in all"));
        assert_eq!(
            kernel.map(|l| l.split_whitespace().collect::<Vec<_>>()),
            Some(vec!["kernel,", "in", "all", "7.50", "5.00", "+2.50"])
        );
    }

    #[test]
    fn cuts_long_symbols() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }
}
