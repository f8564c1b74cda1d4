//! A signal that interrupts the event loop's wait (EINTR) loses nothing.
//! In its own test binary because it installs a signal handler.

mod common;

use std::os::unix::thread::JoinHandleExt;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ch02_io_strategies::latch::Latch;
use ch02_io_strategies::message;
use ch02_io_strategies::ways::{Waiters, Way};
use common::{pipes, send, within_deadline};

extern "C" fn ignore_signal(_: libc::c_int) {}

/// Makes SIGUSR1 run a handler that does nothing, without SA_RESTART, so a
/// thread sleeping in poll or epoll_wait wakes up with EINTR.
fn install_handler() {
    // SAFETY: `sigaction` is plain old data; all zeroes is a valid value.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = ignore_signal as *const () as libc::sighandler_t;
    // SAFETY: `action` is valid and its handler is async-signal-safe (it does nothing).
    let installed = unsafe {
        libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut())
    };
    assert_eq!(installed, 0, "sigaction");
}

#[test]
fn event_loops_carry_on_after_eintr() {
    install_handler();
    for way in [Way::Poll, Way::Epoll] {
        let received = within_deadline(move || {
            let (readers, mut writers) = pipes(2);
            let latch = Arc::new(Latch::new(2));
            let Waiters::OneLoop(event_loop) =
                way.start(readers, &latch).expect("start")
            else {
                panic!("{way:?} runs one loop");
            };
            latch.wait();
            for _ in 0..3 {
                // Let the loop fall asleep in its wait, then interrupt it.
                thread::sleep(Duration::from_millis(20));
                // SAFETY: the loop thread has not been joined, so its pthread_t is valid.
                let sent = unsafe {
                    libc::pthread_kill(event_loop.as_pthread_t(), libc::SIGUSR1)
                };
                assert_eq!(sent, 0, "pthread_kill");
            }
            for (task, writer) in writers.iter_mut().enumerate() {
                send(writer, &message::encode(task as u64));
            }
            Waiters::OneLoop(event_loop).join()
        });
        let received: Vec<u64> =
            received.into_iter().map(|r| r.expect("message")).collect();
        assert_eq!(received, [0, 1], "{way:?}");
    }
}
