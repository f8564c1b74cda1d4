//! The `machine:` line every measurement prints first, so a reader knows
//! where a figure came from.

use crate::{procfs, sys};
use std::io;

/// `machine: x86_64, 2 CPUs, 23.5 GiB RAM, Linux 6.18.44, release build`.
pub fn line() -> io::Result<String> {
    let (arch, release) = sys::uname()?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ram_gib = procfs::meminfo_kib("MemTotal")? as f64 / (1024.0 * 1024.0);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    Ok(format!(
        "machine: {arch}, {cpus} CPUs, {ram_gib:.1} GiB RAM, Linux {release}, \
         {profile} build"
    ))
}

/// Formats `value` with `decimals` digits after the point and commas
/// between thousands: `12345.67` → `12,345.7` for one decimal.
pub fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    if value < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}
