//! Running Linux's `perf`: `perf record` samples a running server, `perf
//! report` lists its symbols, and [`parse_report`] reads that list.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::child::{find_program, output_within};

/// The message when perf is missing.
pub const INSTALL: &str = "perf is not installed: apt-get install linux-perf";

/// Said after perf's own words when it will not record.
pub const PARANOID: &str = "perf may not sample another process's kernel \
     side unless run as root (or with CAP_PERFMON) or with \
     `sysctl kernel.perf_event_paranoid` at 1 or below";

/// Samples per second: an odd rate, so that sampling does not beat in
/// step with a periodic tick of the server or the kernel.
pub const FREQUENCY: u32 = 999;

/// perf's path, if it is on the `PATH`.
pub fn find() -> Option<PathBuf> {
    find_program("perf")
}

/// Why a recording failed.
#[derive(Debug)]
pub enum RecordError {
    /// perf ran and refused (its standard error): permissions, most
    /// likely, and the same for every server.
    Refused(String),
    /// perf did not run, or hung.
    Io(io::Error),
}

/// The arguments of `perf record` that sample process `pid` (all its
/// threads) into `file` for `duration`: `cpu-clock`, a software event,
/// because a virtual machine often has no hardware counters.
pub fn record_args(pid: u32, file: &Path, duration: Duration) -> Vec<String> {
    vec![
        "record".into(),
        "-e".into(),
        "cpu-clock".into(),
        "-F".into(),
        FREQUENCY.to_string(),
        "-p".into(),
        pid.to_string(),
        "-o".into(),
        file.display().to_string(),
        "--".into(),
        "sleep".into(),
        duration.as_secs().max(1).to_string(),
    ]
}

/// Samples process `pid` for `duration` into `file`.
pub fn record(
    perf: &Path,
    pid: u32,
    file: &Path,
    duration: Duration,
) -> Result<(), RecordError> {
    let limit = duration + Duration::from_secs(30);
    let output = output_within(
        Command::new(perf).args(record_args(pid, file, duration)),
        limit,
    )
    .map_err(RecordError::Io)?;
    if output.status.success() {
        Ok(())
    } else {
        Err(RecordError::Refused(format!(
            "perf record failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        )))
    }
}

/// The arguments of `perf report` that list every (shared object, symbol)
/// once, with its self share and sample count: no call graphs, no
/// children's time added to a caller.
pub fn report_args(file: &Path) -> Vec<String> {
    [
        "report",
        "-i",
        &file.display().to_string(),
        "--stdio",
        "--no-children",
        "--sort",
        "dso,sym",
        "-F",
        "overhead,sample,dso,sym",
    ]
    .map(String::from)
    .to_vec()
}

/// `perf report`'s text for `file`.
pub fn report(perf: &Path, file: &Path) -> io::Result<String> {
    let output = output_within(
        Command::new(perf).args(report_args(file)),
        Duration::from_secs(120),
    )?;
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "perf report failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        )));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| io::Error::other("perf report printed invalid UTF-8"))
}

/// The event `perf report` says the samples are of: `cpu-clock` in
/// `# Samples: 1K of event 'cpu-clock'`.
pub fn event(report: &str) -> Option<&str> {
    report
        .lines()
        .filter(|line| line.starts_with("# Samples:"))
        .find_map(|line| line.split_once(" of event '"))
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(event, _)| event)
}

/// Did perf leave the kernel out? Allowed to sample a process's user
/// space but not its kernel side (`kernel.perf_event_paranoid` 2, not
/// root), perf records `cpu-clock:u` instead, exits 0 and says nothing;
/// only the event's name tells. A profile without the kernel would put
/// every µs in user space.
pub fn kernel_excluded(event: &str) -> bool {
    event
        .split_once(':')
        .is_some_and(|(_, modifiers)| !modifiers.contains('k'))
}

/// A temporary `perf.data` file, removed when dropped (with the `.old`
/// copy perf makes of a file it would overwrite).
pub struct DataFile {
    path: PathBuf,
}

impl DataFile {
    /// A name of its own in the temporary directory: this process's id and
    /// `name`.
    pub fn new(name: &str) -> DataFile {
        let file =
            format!("book-bench-{}-{name}.perf.data", std::process::id());
        DataFile {
            path: std::env::temp_dir().join(file),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DataFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let mut old = self.path.clone().into_os_string();
        old.push(".old");
        let _ = std::fs::remove_file(old);
    }
}

/// One line of `perf report` with `-F overhead,sample,dso,sym`.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The symbol's share of the samples, in percent, as perf rounds it.
    pub percent: f64,
    pub samples: u64,
    /// The shared object: `[kernel.kallsyms]`, `libc.so.6`, the program's
    /// file name, `[vdso]`, `[unknown]`, or `[JIT] tid 23700`.
    pub dso: String,
    /// perf's `[k]`: a kernel address (`[.]` is user space).
    pub kernel: bool,
    /// The demangled symbol, or the address perf could not name.
    pub symbol: String,
}

/// Reads every line of `perf report` (see [`report_args`]) but its
/// comments and blank lines. A line it cannot read is an error, not
/// skipped: its samples would silently go missing from every share.
pub fn parse_report(text: &str) -> Result<Vec<Entry>, String> {
    text.lines().filter_map(parse_line).collect()
}

/// One line: `     1.39%            16  [kernel.kallsyms]  [k] __inet_lookup_established`;
/// `None` for a comment or a blank line. The shared object may contain
/// spaces (`[JIT] tid 23700`), and so may the symbol (`<A as B>::c`): what
/// separates them is the first ` [k] ` or ` [.] ` (perf's level: kernel,
/// user; `[g]`, `[u]` and `[H]` for a guest's kernel and user space and
/// the hypervisor count as not ours to look into, so not kernel).
pub fn parse_line(line: &str) -> Option<Result<Entry, String>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    Some(parse_fields(line).ok_or_else(|| format!("unexpected line {line:?}")))
}

fn parse_fields(line: &str) -> Option<Entry> {
    let (percent, rest) = line.split_once(char::is_whitespace)?;
    let percent = percent.strip_suffix('%')?.parse().ok()?;
    let (samples, rest) = rest.trim_start().split_once(char::is_whitespace)?;
    let samples = samples.parse().ok()?;
    let rest = rest.trim_start();
    let level = level_at(rest)?;
    let marker = &rest[level + 2..level + 3];
    Some(Entry {
        percent,
        samples,
        dso: rest[..level].trim_end().to_string(),
        kernel: marker == "k",
        symbol: rest[level + 5..].trim().to_string(),
    })
}

/// Where ` [x] ` (one character in brackets between spaces) starts.
fn level_at(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(4)).find(|&i| {
        bytes[i] == b' '
            && bytes[i + 1] == b'['
            && bytes[i + 2].is_ascii_graphic()
            && bytes[i + 3] == b']'
            && bytes[i + 4] == b' '
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `perf report` of `perf record -e cpu-clock -F 999 -p PID -- sleep 2`
    /// on the bench's server, ours current_thread, under wrk (50
    /// connections), with [`report_args`], on this machine (perf 6.1).
    const REAL: &str = include_str!("../../tests/data/perf-report.txt");

    fn entry(line: &str) -> Entry {
        parse_line(line).unwrap().unwrap()
    }

    #[test]
    fn reads_a_kernel_line() {
        let e = entry(
            "     1.39%            16  [kernel.kallsyms]  [k] __inet_lookup_established",
        );
        assert_eq!(e.percent, 1.39);
        assert_eq!(e.samples, 16);
        assert_eq!(e.dso, "[kernel.kallsyms]");
        assert!(e.kernel);
        assert_eq!(e.symbol, "__inet_lookup_established");
    }

    #[test]
    fn reads_rust_symbols_with_generics_and_spaces() {
        let e = entry(
            "     0.09%             1  book-bench         [.] <ch15_runtime::time::wheel::Wheel<T> as ch15_runtime::time::queue::TimerQueue<T>>::poll",
        );
        assert_eq!(e.samples, 1);
        assert_eq!(e.dso, "book-bench");
        assert!(!e.kernel);
        assert_eq!(
            e.symbol,
            "<ch15_runtime::time::wheel::Wheel<T> as \
             ch15_runtime::time::queue::TimerQueue<T>>::poll"
        );
        let e = entry(
            "     0.28%             4  book-bench         [.] tokio::runtime::task::harness::Harness<T,S>::poll",
        );
        assert_eq!(
            e.symbol,
            "tokio::runtime::task::harness::Harness<T,S>::poll"
        );
        let e = entry(
            "     0.70%             8  book-bench         [.] book_bench::runtimes::on_ours::http_connection::{{closure}}",
        );
        assert_eq!(e.percent, 0.70);
        assert_eq!(
            e.symbol,
            "book_bench::runtimes::on_ours::http_connection::{{closure}}"
        );
    }

    #[test]
    fn reads_unknown_and_unnamed_addresses() {
        // From a call-graph recording of the same server (`perf record -g`,
        // `perf report --children`): a caller perf could not place.
        let e = entry(
            "     0.00%             0  [unknown]          [.] 0x0000000500000001",
        );
        assert_eq!((e.samples, e.dso.as_str()), (0, "[unknown]"));
        assert_eq!(e.symbol, "0x0000000500000001");
        // Anonymous executable memory (node's JIT): a shared object with
        // spaces in its name.
        let e = entry(
            "    98.96%            95  [JIT] tid 22769   [.] 0x00007f14ef816007",
        );
        assert_eq!(e.dso, "[JIT] tid 22769");
        assert_eq!(e.symbol, "0x00007f14ef816007");
        let e = entry(
            "     0.14%             2  [vdso]             [.] __vdso_clock_gettime",
        );
        assert_eq!((e.dso.as_str(), e.kernel), ("[vdso]", false));
        // Made up (no guest or hypervisor runs here): a guest's kernel is
        // not this machine's.
        let e = entry("     1.00%             1  [guest.kallsyms]  [g] x");
        assert!(!e.kernel);
    }

    #[test]
    fn reads_a_whole_real_report() {
        let entries = parse_report(REAL).unwrap();
        // Every line that is not a comment or blank is an entry.
        let lines = REAL
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(entries.len(), lines);
        // "# Samples: 1K of event 'cpu-clock'", and perf's shares add up.
        let samples: u64 = entries.iter().map(|e| e.samples).sum();
        assert_eq!(samples, 1147);
        let percent: f64 = entries.iter().map(|e| e.percent).sum();
        assert!((percent - 100.0).abs() < 1.0, "{percent}");
        assert!(entries.iter().any(|e| e.kernel));
        assert!(entries.iter().any(|e| e.dso == "libc.so.6" && !e.kernel));
    }

    #[test]
    fn tells_when_perf_left_the_kernel_out() {
        assert_eq!(event(REAL), Some("cpu-clock"));
        assert!(!kernel_excluded("cpu-clock"));
        // The header of a recording of a busy process by a user without
        // the right to sample the kernel: perf fell back to user space.
        let user = "# Total Lost Samples: 0\n#\n\
                    # Samples: 1000  of event 'cpu-clock:u'\n";
        assert_eq!(event(user), Some("cpu-clock:u"));
        assert!(kernel_excluded("cpu-clock:u"));
        assert!(!kernel_excluded("cpu-clock:uk"));
        assert_eq!(event("# Overhead  Samples\n"), None);
    }

    #[test]
    fn a_line_it_cannot_read_is_an_error() {
        assert!(parse_line("# Overhead  Samples").is_none());
        assert!(parse_line("   ").is_none());
        for bad in [
            "     0.52%  [kernel.kallsyms]  [k] __alloc_skb",
            "     0.52             6  [kernel.kallsyms]  [k] __alloc_skb",
            "     0.52%             6  [kernel.kallsyms]  __alloc_skb",
            "Warning: something",
        ] {
            assert!(parse_line(bad).unwrap().is_err(), "{bad}");
            let report = format!("{REAL}{bad}\n");
            assert!(parse_report(&report).is_err(), "{bad}");
        }
    }

    #[test]
    fn records_and_reports_with_these_arguments() {
        let file = Path::new("/tmp/x.data");
        assert_eq!(
            record_args(42, file, Duration::from_secs(9)).join(" "),
            "record -e cpu-clock -F 999 -p 42 -o /tmp/x.data -- sleep 9"
        );
        assert_eq!(
            report_args(file).join(" "),
            "report -i /tmp/x.data --stdio --no-children --sort dso,sym \
             -F overhead,sample,dso,sym"
        );
    }

    #[test]
    fn a_data_file_is_removed_when_dropped() {
        let data = DataFile::new("test");
        std::fs::write(data.path(), "x").unwrap();
        let path = data.path().to_path_buf();
        drop(data);
        assert!(!path.exists());
    }
}
