//! The measurements' command line.

use ch01_blocking_read::args::Args;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn values_and_defaults() {
    let parsed =
        Args::parse(args(&["--threads", "5000"]), &["threads", "rounds"])
            .unwrap();
    assert_eq!(parsed.get("threads", 1).unwrap(), 5000);
    assert_eq!(parsed.get("rounds", 7).unwrap(), 7);
    assert_eq!(parsed.get_opt::<u32>("rounds").unwrap(), None);
}

#[test]
fn bad_input_is_an_error() {
    assert!(Args::parse(args(&["--nope", "1"]), &["threads"]).is_err());
    assert!(Args::parse(args(&["--threads"]), &["threads"]).is_err());
    let parsed =
        Args::parse(args(&["--threads", "many"]), &["threads"]).unwrap();
    assert!(parsed.get("threads", 1usize).is_err());
}
