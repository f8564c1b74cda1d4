//! The benchmark is never run in CI, but its smoke run is: every section,
//! every server, tiny sizes, one round (a few seconds). wrk's rows run if
//! wrk is installed and are skipped (with how to install it) if not.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Far more than the smoke run takes; a hung run fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn the_smoke_run_measures_every_section_on_every_server() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_book-bench"))
        .arg("--smoke")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start book-bench");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("book-bench --smoke took over {} s", LIMIT.as_secs());
        }
        thread::sleep(Duration::from_millis(50));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    assert!(status.success(), "{status}\n{out}\n{err}");
    assert!(out.starts_with("machine: "), "{out}");
    for heading in [
        "HTTP",
        "64-byte echo",
        "Memory per idle connection",
        "Idle connections held",
        "Task costs",
    ] {
        assert!(out.contains(heading), "no {heading:?} in\n{out}");
    }
    for server in [
        "threads (ch. 3)",
        "green threads (ch. 5)",
        "callbacks (ch. 8)",
        "ours current_thread",
        "ours multi_thread",
        "tokio current_thread",
        "tokio multi_thread",
    ] {
        assert!(out.contains(server), "no {server:?} in\n{out}");
    }
    // Every run of every row produced a sample.
    assert!(!out.contains("runs failed"), "{out}\n{err}");
    assert!(out.contains("reached the target"), "{out}");
    assert!(out.contains("Against tokio current_thread"), "{out}");
    assert!(err.contains("results not written"), "{err}");
}
