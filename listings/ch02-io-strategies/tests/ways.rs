//! Every way delivers every message, whole, and survives a task whose
//! pipe closes early.

mod common;

use std::io;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ch02_io_strategies::latch::Latch;
use ch02_io_strategies::message;
use ch02_io_strategies::ways::Way;
use ch02_io_strategies::workload;
use common::{pipes, send, within_deadline};

const WAYS: [Way; 3] = [Way::Threads, Way::Poll, Way::Epoll];

#[test]
fn every_way_delivers_every_message() {
    for way in WAYS {
        let report = within_deadline(move || {
            workload::run(way, 100, Duration::ZERO).expect("run")
        });
        assert_eq!(report.delivered, 100, "{way:?}");
        assert_eq!(report.tasks, 100, "{way:?}");
    }
}

#[test]
fn threads_wait_one_per_task_and_a_loop_waits_alone() {
    for (way, threads) in [(Way::Threads, 20), (Way::Poll, 1), (Way::Epoll, 1)]
    {
        let started = within_deadline(move || {
            let (readers, writers) = pipes(20);
            let latch = Arc::new(Latch::new(20));
            let waiters = way.start(readers, &latch).expect("start");
            latch.wait();
            let started = waiters.thread_count();
            // Closing the write ends ends every task (with end-of-file).
            drop(writers);
            waiters.join();
            started
        });
        assert_eq!(started, threads, "{way:?}");
    }
}

#[test]
fn a_message_split_over_two_writes_arrives_whole() {
    for way in WAYS {
        let received = within_deadline(move || {
            let (readers, mut writers) = pipes(3);
            let latch = Arc::new(Latch::new(3));
            let waiters = way.start(readers, &latch).expect("start");
            latch.wait();
            for (task, writer) in writers.iter_mut().enumerate() {
                let bytes = message::encode(task as u64 + 40);
                send(writer, &bytes[..3]);
                // Give the reader time to see the first part on its own.
                thread::sleep(Duration::from_millis(20));
                send(writer, &bytes[3..]);
            }
            waiters.join()
        });
        let received: Vec<u64> =
            received.into_iter().map(|r| r.expect("message")).collect();
        assert_eq!(received, [40, 41, 42], "{way:?}");
    }
}

#[test]
fn a_pipe_closed_early_fails_only_its_own_task() {
    for way in WAYS {
        let received = within_deadline(move || {
            let (readers, writers) = pipes(3);
            let latch = Arc::new(Latch::new(3));
            let waiters = way.start(readers, &latch).expect("start");
            latch.wait();
            for (task, mut writer) in writers.into_iter().enumerate() {
                match task {
                    // Half a message, then the writer goes away.
                    1 => send(&mut writer, &message::encode(1)[..5]),
                    _ => send(&mut writer, &message::encode(task as u64)),
                }
            }
            waiters.join()
        });
        assert_eq!(received[0].as_ref().ok(), Some(&0), "{way:?}");
        let error = received[1].as_ref().expect_err("task 1 must fail");
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{way:?}");
        assert_eq!(received[2].as_ref().ok(), Some(&2), "{way:?}");
    }
}
