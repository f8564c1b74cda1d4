//! Rule 3: a waker may be used from any thread. The receiver is polled on
//! the main thread and woken from a thread named `sender`; then clones of
//! one waker wake it from several threads at once. Usage:
//! `rule-threads [--threads 4] [--wakes 100000]`.

use std::sync::Arc;
use std::task::Waker;
use std::thread;
use std::time::Duration;

use ch10_wakers::harness::args::Args;
use ch10_wakers::harness::units::grouped;
use ch10_wakers::{WakeCount, drive, oneshot, trace};

/// Compiles only for types that may cross threads and be shared.
fn assert_send_sync<T: Send + Sync>() {}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["threads", "wakes"])?;
    let threads: usize = args.get_or("threads", 4)?;
    let wakes: usize = args.get_or("wakes", 100_000)?;

    // ANCHOR: send_sync
    assert_send_sync::<Waker>();
    // ANCHOR_END: send_sync

    // ANCHOR: sender
    let (tx, rx) = oneshot::channel();
    trace::start(); // only so that the sender can wait for the first poll
    let sender = thread::Builder::new()
        .name("sender".into())
        .spawn(move || {
            if trace::wait_for("Pending", Duration::from_secs(10)) {
                tx.send(42);
            }
        })
        .map_err(|e| e.to_string())?;
    let run = drive(rx, Duration::from_secs(10));
    sender.join().map_err(|_| "the sender panicked")?;
    trace::stop();
    let main = thread::current().name().unwrap_or("?").to_string();
    let by = run.woken_by.as_deref().unwrap_or("nobody");
    println!("polled on thread {main}, woken from thread {by}: {run}");
    // ANCHOR_END: sender

    // ANCHOR: many
    let count = WakeCount::new();
    let waker = futures_task::waker(Arc::clone(&count));
    let wakers: Vec<Waker> = (0..threads).map(|_| waker.clone()).collect();
    drop(waker);
    let handles: Vec<_> = wakers
        .into_iter()
        .map(|waker| {
            thread::spawn(move || {
                for _ in 0..wakes {
                    waker.wake_by_ref();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().map_err(|_| "a waking thread panicked")?;
    }
    println!(
        "{threads} threads, {} wake_by_ref each: {} wakes counted, \
         strong count back to {}",
        grouped(wakes as f64, 0),
        grouped(count.wakes() as f64, 0),
        Arc::strong_count(&count)
    );
    // ANCHOR_END: many
    Ok(())
}
