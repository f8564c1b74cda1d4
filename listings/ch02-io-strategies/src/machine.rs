//! The `machine:` line that heads every measurement.

use std::ffi::CStr;

/// For example `machine: x86_64, 2 CPUs, Linux 6.18.44, release build`.
pub fn description() -> String {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "machine: {}, {cpus} CPUs, {}, {build} build",
        std::env::consts::ARCH,
        kernel()
    )
}

/// The kernel's name and release, as `uname -sr` prints them.
fn kernel() -> String {
    // SAFETY: `utsname` is plain old data; all zeroes is a valid value.
    let mut names: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `names` is a valid, writable `utsname` for uname to fill in.
    if unsafe { libc::uname(&mut names) } == -1 {
        return String::from("unknown kernel");
    }
    // SAFETY: uname succeeded, so both fields hold NUL-terminated strings
    // that live as long as `names`.
    let (system, release) = unsafe {
        (
            CStr::from_ptr(names.sysname.as_ptr()),
            CStr::from_ptr(names.release.as_ptr()),
        )
    };
    format!("{} {}", system.to_string_lossy(), release.to_string_lossy())
}
