//! The measuring program runs every way, each in a child process, and
//! every task gets its message.

use std::process::Command;

#[test]
fn many_waiters_reports_every_way() {
    let output = Command::new(env!("CARGO_BIN_EXE_many-waiters"))
        .args(["--tasks", "40", "--ways", "threads,poll,epoll"])
        .output()
        .expect("run many-waiters");
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(printed.starts_with("machine: "), "{printed}");
    assert!(
        printed.contains("tasks: 40, each waiting on its own pipe"),
        "{printed}"
    );
    for way in ["way A", "way B", "way C"] {
        assert!(printed.contains(way), "{way} missing:\n{printed}");
    }
    let delivered = printed
        .matches("messages delivered:         40 of 40")
        .count();
    assert_eq!(delivered, 3, "{printed}");
    let loop_threads =
        printed.matches("threads that wait:          1\n").count();
    assert_eq!(loop_threads, 2, "{printed}");
    assert!(
        printed.contains("threads that wait:          40\n"),
        "{printed}"
    );
}

#[test]
fn many_waiters_rejects_an_unknown_way() {
    let output = Command::new(env!("CARGO_BIN_EXE_many-waiters"))
        .args(["--ways", "carrier-pigeon"])
        .output()
        .expect("run many-waiters");
    assert!(!output.status.success());
    let complaint = String::from_utf8_lossy(&output.stderr);
    assert!(
        complaint.contains("no way \"carrier-pigeon\""),
        "{complaint}"
    );
}
