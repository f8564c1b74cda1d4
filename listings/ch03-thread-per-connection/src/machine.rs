//! The `machine:` lines every measurement prints first, so a reader knows
//! where a figure came from (and the output checker compares them loosely).

use std::fmt::Write;
use std::thread;

use crate::limits::{self, Limit};
use crate::procfs;

/// `machine: x86_64, 2 CPUs, 23.5 GiB RAM, Linux 6.18.44, release build`
pub fn line() -> String {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let ram = procfs::meminfo_kib("MemTotal:").map_or("? GiB".into(), |kib| {
        format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0))
    });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default();
    // "6.18.44-some-suffix" -> "6.18.44"
    let kernel = kernel.trim().split(['-', '+']).next().unwrap_or("?");
    let build = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    format!(
        "machine: {}, {cpus} CPUs, {ram} RAM, Linux {kernel}, {build}",
        std::env::consts::ARCH
    )
}

/// The limits on threads and descriptors of this machine, as `machine:` lines.
pub fn limit_lines() -> String {
    let mut out = String::new();
    let show = |limit: std::io::Result<Limit>| match limit {
        Ok(Limit { soft, hard }) => {
            format!("{} (hard {})", number(soft), number(hard))
        }
        Err(e) => format!("unknown ({e})"),
    };
    let sysctl =
        |path| procfs::sysctl(path).map_or("unknown".into(), |n| n.to_string());
    let _ = writeln!(
        out,
        "machine: ulimit -n {}, ulimit -u {}",
        show(limits::fd_limit()),
        show(limits::process_limit())
    );
    let _ = writeln!(
        out,
        "machine: kernel.threads-max {}, kernel.pid_max {}, vm.max_map_count {}",
        sysctl("kernel/threads-max"),
        sysctl("kernel/pid_max"),
        sysctl("vm/max_map_count")
    );
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        let _ = writeln!(
            out,
            "machine: running as root, so ulimit -u is not enforced"
        );
    }
    out.pop(); // the last newline
    out
}

fn number(limit: Option<u64>) -> String {
    limit.map_or("unlimited".into(), |n| n.to_string())
}

/// `1536` KiB -> `"1.5 MiB"`: a size with a unit the output checker masks.
pub fn kib(kib: f64) -> String {
    if kib.abs() >= 1024.0 * 1024.0 {
        format!("{:.1} GiB", kib / (1024.0 * 1024.0))
    } else if kib.abs() >= 1024.0 {
        format!("{:.1} MiB", kib / 1024.0)
    } else {
        format!("{kib:.1} KiB")
    }
}
