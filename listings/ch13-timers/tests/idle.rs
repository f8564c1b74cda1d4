//! An idle runtime: with no timer, it sleeps in `epoll_wait` with no
//! timeout at all and uses no CPU; with timers, it starts no thread. One
//! test in a file of its own, so that nothing else runs in the process
//! while it measures the process's CPU time.

use std::thread;
use std::time::Duration;

use ch13_timers::count::{self, Syscall};
use ch13_timers::harness::procfs;
use ch13_timers::time;
use ch13_timers::{Runtime, oneshot, trace, usage};

const IDLE: Duration = Duration::from_secs(2);

fn threads() -> u64 {
    procfs::status("self").unwrap().threads
}

// ANCHOR: idle
#[test]
fn an_idle_runtime_blocks_without_a_timeout_and_uses_no_cpu() {
    let runtime = Runtime::new().unwrap();
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
    let waits: Vec<&String> =
        events.iter().filter(|e| e.contains("epoll_wait")).collect();
    assert!(waits.len() <= 3, "{waits:?}");
    assert!(
        waits.iter().any(|e| e.ends_with("epoll_wait, no timeout")),
        "it slept with a timeout: {waits:?}"
    );
    assert_eq!(calls.get(Syscall::EpollWait), waits.len() as u64);
    // 2 s asleep: a busy loop would show 2 s here; we allow 2 %.
    assert!(cpu < IDLE / 50, "{cpu:?} of CPU while idle");

    // A thousand timers start no thread: only the waker thread was added.
    let threads_during = runtime.block_on(async {
        let sleeps: Vec<_> = (0..1000)
            .map(|i| {
                ch13_timers::spawn(time::sleep(Duration::from_millis(i % 10)))
            })
            .collect();
        let threads = threads();
        for sleep in sleeps {
            sleep.await.unwrap();
        }
        threads
    });
    assert_eq!(threads_during, threads_before);
}
// ANCHOR_END: idle
