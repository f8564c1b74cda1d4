//! What the measurement binaries print: where they ran, and how much memory
//! the process (and the kernel) holds.

use std::ffi::CStr;
use std::fs;

/// `machine: x86_64, 2 CPUs, Linux 6.18.44, release build`: the line every
/// measurement starts with, so a reader knows where a figure came from.
pub fn machine_line() -> String {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "machine: {}, {cpus} CPUs, Linux {}, {profile} build",
        std::env::consts::ARCH,
        kernel_release()
    )
}

fn kernel_release() -> String {
    // SAFETY: `utsname` is plain bytes, valid when zeroed.
    let mut name: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a valid, writable utsname.
    if unsafe { libc::uname(&mut name) } != 0 {
        return "unknown".to_string();
    }
    // SAFETY: uname wrote a NUL-terminated string into `release`.
    let release = unsafe { CStr::from_ptr(name.release.as_ptr()) };
    release.to_string_lossy().into_owned()
}

/// The two memory figures of `/proc/self/status`, in KiB.
#[derive(Clone, Copy, Debug)]
pub struct Memory {
    /// Address space reserved: every mapping, touched or not.
    pub vm_size_kib: u64,
    /// Pages actually in RAM now.
    pub vm_rss_kib: u64,
}

impl Memory {
    pub fn now() -> Memory {
        let status =
            fs::read_to_string("/proc/self/status").unwrap_or_default();
        Memory {
            vm_size_kib: field_kib(&status, "VmSize:"),
            vm_rss_kib: field_kib(&status, "VmRSS:"),
        }
    }
}

/// The whole machine's memory for kernel stacks (one per OS thread), in
/// KiB, from `/proc/meminfo`. It is not part of any process's VmRSS.
pub fn kernel_stacks_kib() -> u64 {
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    field_kib(&meminfo, "KernelStack:")
}

/// Parses `Name:   1234 kB` out of a /proc file; 0 if absent.
fn field_kib(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or(0)
}

/// The value following `--flag` on the command line, or `default`.
pub fn arg<T: std::str::FromStr>(flag: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}
