//! Numbers printed with their units, so the output check can tell a measured
//! quantity (masked when outputs are compared) from a count (compared
//! exactly).

/// `value` with `decimals` digits after the point and commas between
/// thousands: `12345.67` → `12,345.7` for one decimal.
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

/// A size given in KiB, in the largest unit that keeps it at or above 1:
/// `1536.0` → `"1.5 MiB"`.
pub fn kib(kib: f64) -> String {
    if kib.abs() >= 1024.0 * 1024.0 {
        format!("{:.1} GiB", kib / (1024.0 * 1024.0))
    } else if kib.abs() >= 1024.0 {
        format!("{:.1} MiB", kib / 1024.0)
    } else {
        format!("{kib:.1} KiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_and_keeps_the_sign() {
        assert_eq!(grouped(12345.67, 1), "12,345.7");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(-1234.0, 0), "-1,234");
        assert_eq!(grouped(-0.01, 1), "0.0");
    }

    #[test]
    fn picks_a_unit() {
        assert_eq!(kib(512.0), "512.0 KiB");
        assert_eq!(kib(1536.0), "1.5 MiB");
        assert_eq!(kib(24_641_536.0), "23.5 GiB");
    }
}
