//! The `machine:` lines a measurement prints first.
//!
//! `cargo xtask test` compares each `machine:` line of a shown output field
//! by field with the same line of a fresh run (numbers and the architecture
//! masked), so every listing prints them in exactly this shape.

use std::fmt::Write;

use super::{limits, procfs, units};

/// `machine: x86_64, 2 CPUs, 23.5 GiB RAM, Linux 6.18.44, release build`:
/// the architecture, the CPUs this process may use, the RAM, the kernel's
/// release (without the distribution's suffix) and the build profile.
pub fn line() -> String {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ram = procfs::meminfo_kib("MemTotal")
        .map_or("? GiB".into(), |kib| units::kib(kib as f64));
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default();
    // "6.18.44-fc-v657" -> "6.18.44"
    let kernel = release.trim().split(['-', '+']).next().unwrap_or("?");
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "machine: {}, {cpus} CPUs, {ram} RAM, Linux {kernel}, {build} build",
        std::env::consts::ARCH
    )
}

/// The limits on descriptors and threads that decide how far a server can
/// grow here, as `machine:` lines.
pub fn limit_lines() -> String {
    let show = |limit: std::io::Result<limits::Limit>| match limit {
        Ok(limits::Limit { soft, hard }) => {
            format!("{} (hard {})", number(soft), number(hard))
        }
        Err(e) => format!("unknown ({e})"),
    };
    let sysctl =
        |path| procfs::sysctl(path).map_or("unknown".into(), |n| n.to_string());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "machine: ulimit -n {}, ulimit -u {}",
        show(limits::fd_limit()),
        show(limits::process_limit())
    );
    let _ = write!(
        out,
        "machine: kernel.threads-max {}, kernel.pid_max {}, vm.max_map_count {}",
        sysctl("kernel/threads-max"),
        sysctl("kernel/pid_max"),
        sysctl("vm/max_map_count")
    );
    out
}

fn number(limit: Option<u64>) -> String {
    limit.map_or("unlimited".into(), |n| n.to_string())
}
