//! What `/proc` says about a server process and the machine: its CPU time
//! (all threads, user and kernel), and the load average.
//! (Memory comes from the listings' harness: `procfs::status`.)

use std::fs;
use std::io;
use std::time::Duration;

/// User plus system time of a whole process, from the text of its
/// `/proc/<pid>/stat`, in clock ticks: fields 14 (`utime`) and 15
/// (`stime`). For a process (not a single thread) they add up every thread
/// it has or had. The command name in parentheses may contain spaces and
/// `)`, so the fields are counted after the last `)`.
pub fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // After the name, field 3 (`state`) comes first: 14 is the 12th.
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The CPU time process `pid` has used so far, to the clock tick (10 ms
/// where `getconf CLK_TCK` says 100; a run lasts seconds).
pub fn cpu_time(pid: u32) -> io::Result<Duration> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let ticks = parse_stat_ticks(&stat).ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidData, "cannot read utime, stime")
    })?;
    Ok(Duration::from_secs_f64(
        ticks as f64 / clock_ticks_per_sec(),
    ))
}

fn clock_ticks_per_sec() -> f64 {
    // SAFETY: sysconf takes no pointers and only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// The 1-minute load average: how many threads, on average, were running
/// or waiting for a CPU (or in uninterruptible sleep) over the last minute.
pub fn load_average() -> Option<f64> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_after_the_name() {
        // A real line (`cat /proc/self/stat`), with a name made awkward.
        let stat = "4242 (a) b c) S 4100 4242 4100 34816 4242 4194304 \
                    115 0 0 0 7 5 0 0 20 0 1 0 123 8192 100 \
                    18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0";
        assert_eq!(parse_stat_ticks(stat), Some(12));
        assert_eq!(parse_stat_ticks("4242 (no fields)"), None);
    }

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        let spent = cpu_time(me).unwrap();
        assert!(spent < Duration::from_secs(3600));
        assert!(load_average().is_some());
    }
}
