//! The exercises' solutions at work: a time limit on a blocking job, a
//! semaphore in front of file reads, and a file read in chunks through the
//! pool.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch14_blocking::exercises::file::{CHUNK, File};
use ch14_blocking::exercises::semaphore::{Semaphore, limited_read};
use ch14_blocking::exercises::timeout::{Failed, spawn_blocking_timeout};
use ch14_blocking::io::AsyncReadExt;
use ch14_blocking::slow_file::Fifo;
use ch14_blocking::{Builder, Runtime, spawn};

const PATIENCE: Duration = Duration::from_secs(5);

#[test]
fn a_job_within_its_limit_gives_its_value() {
    let runtime = Runtime::new().unwrap();
    let value = runtime.block_on(spawn_blocking_timeout(PATIENCE, |_| 42));
    assert_eq!(value.unwrap(), 42);
}

// ANCHOR: timeout
#[test]
fn a_job_past_its_limit_is_told_and_frees_its_thread() {
    let runtime = Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let steps = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&steps);
    let started = Instant::now();
    let late = runtime.block_on(spawn_blocking_timeout(
        Duration::from_millis(50),
        move |given_up| {
            // A job in steps, which looks at the flag between them.
            while !given_up.is_set() && started.elapsed() < PATIENCE {
                thread::sleep(Duration::from_millis(5));
                counted.fetch_add(1, Ordering::Relaxed);
            }
        },
    ));
    assert!(matches!(late, Err(Failed::TimedOut)));
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(1), "waited {waited:?}");
    // The job stops at its next look, and the one thread is free again.
    let next = runtime.block_on(spawn_blocking_timeout(PATIENCE, |_| 7));
    assert_eq!(next.unwrap(), 7);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(steps.load(Ordering::Relaxed) >= 1);
}
// ANCHOR_END: timeout

#[test]
fn a_panicking_job_with_a_limit_reports_the_panic() {
    let runtime = Runtime::new().unwrap();
    let failed = runtime
        .block_on(spawn_blocking_timeout(PATIENCE, |_| panic!("no luck")));
    let Err(Failed::Join(e)) = failed else {
        panic!("expected a panic, got {failed:?}");
    };
    assert!(e.is_panic());
}

// ANCHOR: semaphore
#[test]
fn a_semaphore_of_two_lets_two_reads_run_at_once() {
    // Eight reads of eight pipes, each blocked until a writer comes.
    let fifos: Vec<_> = (0..8)
        .map(|n| Fifo::new(&format!("p{n}")).unwrap())
        .collect();
    let paths: Vec<_> = fifos.iter().map(|f| f.path().to_owned()).collect();
    let runtime = Runtime::new().unwrap();
    let limit = Semaphore::new(2);
    // The writer counts the pipes that have a reader at the same moment,
    // then answers them.
    let writer = thread::spawn({
        let mut left = paths.clone();
        move || {
            let mut most = 0;
            let deadline = Instant::now() + PATIENCE;
            while !left.is_empty() && Instant::now() < deadline {
                let mut open = Vec::new();
                left.retain(|path| match readers_end(path) {
                    Some(pipe) => {
                        open.push(pipe);
                        false
                    }
                    None => true,
                });
                most = most.max(open.len());
                for mut pipe in open {
                    pipe.write_all(b"x").unwrap();
                }
                thread::sleep(Duration::from_millis(2));
            }
            (most, left.len())
        }
    });
    let read = runtime.block_on(async {
        let tasks: Vec<_> = paths
            .into_iter()
            .map(|path| {
                let limit = limit.clone();
                spawn(async move { limited_read(&limit, path).await })
            })
            .collect();
        let mut read = 0;
        for task in tasks {
            read += task.await.unwrap().unwrap().len();
        }
        read
    });
    let (most, unanswered) = writer.join().unwrap();
    assert_eq!((read, unanswered), (8, 0));
    assert!((1..=2).contains(&most), "{most} reads at once");
    drop(fifos);
}

/// The write end of the pipe at `path`, if a reader has it open now.
fn readers_end(path: &std::path::Path) -> Option<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .ok()
}
// ANCHOR_END: semaphore

#[test]
fn an_acquire_given_up_on_passes_its_permit_on() {
    let limit = Semaphore::new(1);
    let runtime = Runtime::new().unwrap();
    runtime.block_on(async {
        let first = limit.acquire().await;
        // A second acquire waits, and is dropped while it waits…
        let mut second = Box::pin(limit.acquire());
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(second.as_mut().poll(&mut cx).is_pending());
        drop(second);
        // …so the permit, when it is released, goes to the third.
        drop(first);
        let _third = limit.acquire().await;
    });
}

// ANCHOR: file
#[test]
fn a_file_read_in_chunks_through_the_pool() {
    let path = std::env::temp_dir()
        .join(format!("ch14-chunks-{}.bin", std::process::id()));
    let contents: Vec<u8> = (0..300 * 1024).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &contents).unwrap();
    let runtime = Runtime::new().unwrap();
    let read = runtime.block_on(async {
        let mut file = File::open(&path).await?;
        let mut read = Vec::new();
        let mut buf = [0; 8 * 1024];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            read.extend_from_slice(&buf[..n]);
        }
        std::io::Result::Ok(read)
    });
    std::fs::remove_file(&path).unwrap();
    assert!(read.unwrap() == contents);
    // One job to open, one per 64 KiB chunk, one that finds the end.
    let chunks = contents.len().div_ceil(CHUNK);
    assert_eq!(runtime.blocking_metrics().jobs, 1 + chunks + 1);
}
// ANCHOR_END: file
