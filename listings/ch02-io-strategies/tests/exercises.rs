//! Exercise 1: event-loop tasks that need two messages.

mod common;

use std::io;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ch02_io_strategies::latch::Latch;
use ch02_io_strategies::message;
use ch02_io_strategies::solutions::epoll_loop;
use ch02_io_strategies::solutions::two_messages::TwoMessages;
use ch02_io_strategies::{poll_loop, task::Task};
use common::{pipes, send, within_deadline};

type Serve =
    fn(Vec<(OwnedFd, TwoMessages)>, &Latch) -> Vec<io::Result<(u64, u64)>>;

const LOOPS: [(&str, Serve); 2] = [
    ("poll", poll_loop::serve::<TwoMessages>),
    ("epoll", epoll_loop::serve::<TwoMessages>),
];

/// Serves `count` two-message tasks with `serve` on a new thread, feeding
/// them with `feed` once they all wait.
fn serve_two_messages(
    serve: Serve,
    count: usize,
    feed: impl FnOnce(Vec<std::fs::File>) + Send + 'static,
) -> Vec<io::Result<(u64, u64)>> {
    within_deadline(move || {
        let (readers, writers) = pipes(count);
        let tasks = readers
            .into_iter()
            .map(|r| (r, TwoMessages::default()))
            .collect();
        let latch = Arc::new(Latch::new(count));
        let event_loop = {
            let latch = Arc::clone(&latch);
            thread::spawn(move || serve(tasks, &latch))
        };
        latch.wait();
        feed(writers);
        event_loop.join().expect("event loop")
    })
}

#[test]
fn two_messages_arriving_apart() {
    for (name, serve) in LOOPS {
        let received = serve_two_messages(serve, 5, |mut writers| {
            for (task, writer) in writers.iter_mut().enumerate() {
                send(writer, &message::encode(task as u64));
            }
            thread::sleep(Duration::from_millis(20));
            for (task, writer) in writers.iter_mut().enumerate() {
                send(writer, &message::encode(task as u64 + 100));
            }
        });
        for (task, result) in received.into_iter().enumerate() {
            let task = task as u64;
            assert_eq!(result.expect(name), (task, task + 100), "{name}");
        }
    }
}

#[test]
fn two_messages_in_one_write() {
    for (name, serve) in LOOPS {
        let received = serve_two_messages(serve, 3, |mut writers| {
            for writer in &mut writers {
                let both = [message::encode(7), message::encode(8)].concat();
                send(writer, &both);
            }
        });
        for result in received {
            assert_eq!(result.expect(name), (7, 8), "{name}");
        }
    }
}

#[test]
fn a_pipe_closed_after_the_first_message_fails_its_task() {
    for (name, serve) in LOOPS {
        let received = serve_two_messages(serve, 2, |writers| {
            for mut writer in writers {
                send(&mut writer, &message::encode(1));
            }
        });
        for result in received {
            let error = result.expect_err(name);
            assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{name}");
        }
    }
}

#[test]
#[should_panic(expected = "after it finished")]
fn a_finished_task_must_not_be_polled_again() {
    let (mut readers, _writers) = pipes(1);
    let mut pipe = std::fs::File::from(readers.remove(0));
    let mut task = TwoMessages::Finished;
    let _ = task.on_readable(&mut pipe);
}
