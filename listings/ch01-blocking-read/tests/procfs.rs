//! Parsing what `/proc` says, on fixed text and on this very process.

use ch01_blocking_read::machine::grouped;
use ch01_blocking_read::procfs::{self, field, parse_stat_state, parse_status};

const STATUS: &str = "Name:\tmemory\nState:\tS (sleeping)\n\
    VmPeak:\t   20000 kB\nVmSize:\t   12345 kB\nVmRSS:\t    2048 kB\n\
    VmPTE:\t      64 kB\nThreads:\t5001\n";

#[test]
fn parses_status_fields() {
    let status = parse_status(STATUS).unwrap();
    assert_eq!(status.vm_size_kib, 12345);
    assert_eq!(status.vm_rss_kib, 2048);
    assert_eq!(status.vm_pte_kib, 64);
    assert_eq!(status.threads, 5001);
}

#[test]
fn a_field_name_must_match_whole() {
    // `VmS` must not match `VmSize`, and `VmSize` must not match `VmSizeX`.
    assert_eq!(field(STATUS, "VmS"), None);
    assert_eq!(field("VmSizeX:\t1 kB\n", "VmSize"), None);
}

#[test]
fn missing_fields_are_errors() {
    let error = parse_status("VmSize:\t1 kB\n").unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
}

#[test]
fn state_is_read_after_the_last_parenthesis() {
    assert_eq!(parse_stat_state("42 (cat) R 1 42 42 0"), Some('R'));
    // A thread may name itself `a) b`; the state is still found.
    assert_eq!(parse_stat_state("42 (a) b) S 1 42 42 0"), Some('S'));
    assert_eq!(parse_stat_state("42 (no closing"), None);
}

#[test]
fn reads_this_process() {
    let status = procfs::status().unwrap();
    assert!(status.vm_size_kib >= status.vm_rss_kib);
    assert!(status.threads >= 1);
    let kernel_stacks_kib = procfs::kernel_stacks_kib().unwrap();
    assert!(kernel_stacks_kib > 0);
    assert!(procfs::overcommit_mode().is_ok());
}

#[test]
fn groups_thousands() {
    assert_eq!(grouped(0.0, 1), "0.0");
    assert_eq!(grouped(999.0, 0), "999");
    assert_eq!(grouped(1234.56, 1), "1,234.6");
    assert_eq!(grouped(1234567.0, 0), "1,234,567");
    assert_eq!(grouped(-2048.0, 1), "-2,048.0");
}
