//! Rule 4: a wake may arrive before `poll` has even returned `Pending`.
//! The future here hands its waker to another thread, which wakes it, and
//! only then returns `Pending`. The chapter's driver keeps that wake; the
//! same loop with its flag cleared after the poll instead of before loses
//! it. Usage: `rule-early [--timeout-ms 200]`.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use ch10_wakers::drive::Waited;
use ch10_wakers::harness::args::Args;
use ch10_wakers::{Driven, WakeFlag, drive};
use futures_task::waker_ref;

// ANCHOR: early
/// Pending once, but woken from another thread before it says so.
struct WokenBeforePending {
    polled: bool,
}

impl Future for WokenBeforePending {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            return Poll::Ready(());
        }
        self.polled = true;
        let waker = cx.waker().clone();
        // The event this future waits for happens at once, on another
        // thread, which wakes the task before this poll returns.
        thread::spawn(move || waker.wake())
            .join()
            .expect("the waking thread panicked");
        Poll::Pending
    }
}
// ANCHOR_END: early

// ANCHOR: late_clear
/// `drive` with one line moved: the flag is cleared after each poll
/// instead of before. Wrong on purpose.
fn drive_clearing_late<F: Future>(
    future: F,
    timeout: Duration,
) -> Driven<F::Output> {
    let deadline = Instant::now() + timeout;
    let flag = WakeFlag::new();
    let waker = waker_ref(&flag);
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let (mut polls, mut sleeps) = (0, 0);
    let output = loop {
        polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            break Some(output);
        }
        flag.clear(); // erases a wake that arrived during the poll
        sleeps += 1;
        if flag.wait_until(deadline) == Waited::TimedOut {
            break None;
        }
    };
    let (wakes, woken_by) = (flag.wakes(), flag.woken_by());
    Driven {
        output,
        polls,
        sleeps,
        wakes,
        woken_by,
    }
}
// ANCHOR_END: late_clear

fn main() -> Result<(), String> {
    let args = Args::from_env(&["timeout-ms"])?;
    let timeout = Duration::from_millis(args.get_or("timeout-ms", 200)?);
    println!("deadline: {} ms", timeout.as_millis());
    let run = drive(WokenBeforePending { polled: false }, timeout);
    println!("clear, then poll: {run}");
    let run =
        drive_clearing_late(WokenBeforePending { polled: false }, timeout);
    println!("poll, then clear: {run}");
    Ok(())
}
