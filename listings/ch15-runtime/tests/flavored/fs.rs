//! `fs` on the blocking pool: what is written is read back, errors keep
//! their kind, many reads at once all arrive, and a read that blocks for a
//! long time holds a pool thread, never the runtime's.

use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::slow_file::{self, Fifo};
use ch15_runtime::{fs, sleep, spawn};

const PATIENCE: Duration = Duration::from_secs(5);

/// A directory of its own for each test, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let made = MADE.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir()
            .join(format!("ch14-fs-{}-{made}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ANCHOR: round_trip
#[test]
fn what_is_written_is_read_back() {
    let scratch = Scratch::new();
    let path = scratch.0.join("notes.txt");
    let (bytes, text, len) = super::runtime()
        .unwrap()
        .block_on(async {
            fs::write(&path, "first").await?;
            fs::write(&path, b"hello, pool").await?; // replaces the first
            let bytes = fs::read(&path).await?;
            let text = fs::read_to_string(&path).await?;
            let len = fs::metadata(&path).await?.len();
            std::io::Result::Ok((bytes, text, len))
        })
        .unwrap();
    assert_eq!(bytes, b"hello, pool");
    assert_eq!(text, "hello, pool");
    assert_eq!(len, 11);
}
// ANCHOR_END: round_trip

#[test]
fn errors_keep_their_kind() {
    let scratch = Scratch::new();
    let missing = scratch.0.join("missing");
    let not_utf8 = scratch.0.join("latin1");
    std::fs::write(&not_utf8, [0xe9]).unwrap();
    super::runtime().unwrap().block_on(async {
        let e = fs::read(&missing).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = fs::metadata(&missing).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = fs::read(&scratch.0).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IsADirectory);
        let e = fs::read_to_string(&not_utf8).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidData);
        let e = fs::write(scratch.0.join("no/such/dir"), "x").await;
        assert_eq!(e.unwrap_err().kind(), ErrorKind::NotFound);
    });
}

#[test]
fn fifty_tasks_write_and_read_fifty_files_at_once() {
    let scratch = Scratch::new();
    let dir = scratch.0.clone();
    let runtime = super::runtime().unwrap();
    let all_right = runtime.block_on(async move {
        let tasks: Vec<_> = (0..50)
            .map(|n| {
                let path = dir.join(format!("{n}.txt"));
                spawn(async move {
                    let text = format!("file number {n}");
                    fs::write(&path, &text).await?;
                    Ok::<_, std::io::Error>(
                        fs::read_to_string(&path).await? == text,
                    )
                })
            })
            .collect();
        let mut all_right = true;
        for task in tasks {
            all_right &= task.await.unwrap().unwrap();
        }
        all_right
    });
    assert!(all_right);
    assert_eq!(runtime.blocking_metrics().jobs, 100);
}

// ANCHOR: fifo
#[test]
fn a_read_that_blocks_holds_a_pool_thread_and_not_the_runtime() {
    let fifo = Fifo::new("slow").unwrap();
    let path = fifo.path().to_owned();
    let runtime = super::runtime().unwrap();
    let (read, ticks) = runtime.block_on(async move {
        // The pipe has no writer yet: the read blocks its pool thread.
        let reader = spawn(fs::read(path.clone()));
        // Meanwhile the runtime's thread runs other tasks: ten ticks.
        let started = Instant::now();
        let mut ticks = 0;
        while ticks < 10 && started.elapsed() < PATIENCE {
            sleep(Duration::from_millis(5)).await;
            ticks += 1;
        }
        // Only now does the "disk" answer.
        let writer =
            thread::spawn(move || slow_file::feed(&path, b"late", PATIENCE));
        let read = reader.await.unwrap();
        writer.join().unwrap().unwrap();
        (read, ticks)
    });
    assert_eq!(ticks, 10);
    assert_eq!(read.unwrap(), b"late");
}
// ANCHOR_END: fifo
