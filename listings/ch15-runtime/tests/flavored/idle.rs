//! An idle runtime: with no timer, it sleeps in `epoll_wait` with no
//! timeout at all and uses no CPU; with timers, it starts no thread. One
//! test in a file of its own, so that nothing else runs in the process
//! while it measures the process's CPU time.

use std::thread;
use std::time::Duration;

use ch15_runtime::count::{self, Syscall};
use ch15_runtime::harness::procfs;
use ch15_runtime::runtime::Flavor;
use ch15_runtime::time;
use ch15_runtime::{oneshot, trace, usage};

const IDLE: Duration = Duration::from_secs(2);

fn threads() -> u64 {
    procfs::status("self").unwrap().threads
}

// ANCHOR: idle
#[test]
fn an_idle_runtime_blocks_without_a_timeout_and_uses_no_cpu() {
    // Chapter 15: the trace and the CPU time are the process's; the two
    // flavours take turns.
    let _serial = crate::SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let runtime = super::runtime().unwrap();
    let (wake, woken) = oneshot::channel::<()>();
    let threads_before = threads();
    // The only other thread: it wakes the runtime after two seconds.
    let waker = thread::spawn(move || {
        thread::sleep(IDLE);
        wake.send(());
    });
    trace::start();
    let calls_before = count::snapshot();
    let cpu_before = usage::process_cpu().unwrap();
    runtime.block_on(woken).unwrap();
    let cpu = usage::process_cpu().unwrap() - cpu_before;
    let calls = count::snapshot() - calls_before;
    let events = trace::stop();
    waker.join().unwrap();

    // A handful of polls and turns, then one sleep for the two seconds.
    // (Chapter 15: on the current-thread flavour; a multi-threaded one's
    // workers went to sleep in epoll before the trace started, and the
    // calls counted are this thread's, which sleeps on its parker.)
    if super::FLAVOR == Flavor::CurrentThread {
        let waits: Vec<&String> =
            events.iter().filter(|e| e.contains("epoll_wait")).collect();
        assert!(waits.len() <= 3, "{waits:?}");
        assert!(
            waits.iter().any(|e| e.ends_with("epoll_wait, no timeout")),
            "it slept with a timeout: {waits:?}"
        );
        assert_eq!(calls.get(Syscall::EpollWait), waits.len() as u64);
    }
    // 2 s asleep: a busy loop would show 2 s here; we allow 2 %.
    assert!(cpu < IDLE / 50, "{cpu:?} of CPU while idle");

    // A thousand timers start no thread: only the waker thread was added.
    let threads_during = runtime.block_on(async {
        let sleeps: Vec<_> = (0..1000)
            .map(|i| {
                ch15_runtime::spawn(time::sleep(Duration::from_millis(i % 10)))
            })
            .collect();
        let threads = threads();
        for sleep in sleeps {
            sleep.await.unwrap();
        }
        threads
    });
    // Chapter 15: the process's count moves with the other flavour's test
    // thread, which the harness starts and ends meanwhile; so the check is
    // the runtime's own: no timer thread, no blocking thread, and the
    // process's count within one of where it was.
    assert_eq!(runtime.metrics().timer_threads, 0);
    assert_eq!(runtime.blocking_metrics().threads_started, 0);
    assert!(
        threads_during <= threads_before + 1,
        "{threads_during} threads"
    );
}
// ANCHOR_END: idle
