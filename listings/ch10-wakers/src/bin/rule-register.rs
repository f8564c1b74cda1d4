//! Rule 1: return `Pending` only after arranging a wake. A future that
//! forgets is never polled again, even after its data has arrived; the
//! oneshot receiver, which leaves its waker first, is, and so is chapter
//! 9's `yield_now`, which wakes itself. Usage:
//! `rule-register [--timeout-ms 200]`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use ch10_wakers::harness::args::Args;
use ch10_wakers::yield_now::yield_now;
use ch10_wakers::{drive, oneshot, trace};

// ANCHOR: forgetful
/// Ready once another thread has set `arrived`. Wrong on purpose: it says
/// `Pending` without leaving its waker anywhere.
struct Forgetful {
    arrived: Arc<AtomicBool>,
}

impl Future for Forgetful {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.arrived.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
// ANCHOR_END: forgetful

/// Runs `action` on another thread once the driver has heard `Pending`
/// (the trace tells it when), so that the data always arrives late.
fn after_first_pending(
    action: impl FnOnce() + Send + 'static,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        if trace::wait_for("Pending", Duration::from_secs(10)) {
            action();
        }
    })
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["timeout-ms"])?;
    let timeout = Duration::from_millis(args.get_or("timeout-ms", 200)?);

    trace::start();
    let arrived = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&arrived);
    let setter =
        after_first_pending(move || flag.store(true, Ordering::Release));
    let run = drive(
        Forgetful {
            arrived: Arc::clone(&arrived),
        },
        timeout,
    );
    setter.join().map_err(|_| "the setting thread panicked")?;
    println!("deadline: {} ms", timeout.as_millis());
    println!("Forgetful:         {run}");
    let late = arrived.load(Ordering::Acquire);
    println!("                   its data had arrived: {late}");

    trace::start();
    let (tx, rx) = oneshot::channel();
    let sender = after_first_pending(move || tx.send(42));
    // A deadline far away: here someone will wake it.
    let run = drive(rx, Duration::from_secs(10));
    sender.join().map_err(|_| "the sending thread panicked")?;
    println!("oneshot::Receiver: {run}");
    trace::stop();

    // Chapter 9's `yield_now` arranges its wake by waking its own task.
    let run = drive(yield_now(), Duration::from_secs(10));
    println!("yield_now():       {run}");
    Ok(())
}
