//! The blocking pool's promises: the cap holds and the job over it waits
//! in the queue; idle threads retire after the keep-alive and new ones
//! start when needed; a completion wakes a runtime asleep in `epoll_wait`;
//! a panic reaches the handle and the thread survives it; abort cancels a
//! queued job; and shutting down cancels what is queued, waits for what
//! runs (or, with a timeout, leaves it to finish on its own), and leaks
//! nothing. Every wait has a time limit, so nothing here can hang.
//!
//! Miri runs these too (threads, condition variables and timeouts on its
//! own clock, the task machinery, wakes through its emulated epoll and
//! eventfd), but for the ones that read `/proc` and the long stress test.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::blocking::{Config, Pool};
use ch15_runtime::{JoinError, JoinHandle, Runtime, spawn, spawn_blocking};

const PATIENCE: Duration = Duration::from_secs(5);

/// A gate that jobs wait at until the test opens it (or `PATIENCE`
/// passes, so that a failing test cannot hang).
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }

    /// Waits for the gate; false if it stayed shut.
    fn wait(&self) -> bool {
        let shut = self.0.0.lock().unwrap();
        let (open, _) = self
            .0
            .1
            .wait_timeout_while(shut, PATIENCE, |open| !*open)
            .unwrap();
        *open
    }
}

/// Waits until `done` says yes, or fails the test after `PATIENCE`.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// Polls a `JoinHandle` once, with no runtime around.
fn peek<T>(handle: &mut JoinHandle<T>) -> Poll<Result<T, JoinError>> {
    Pin::new(handle).poll(&mut Context::from_waker(Waker::noop()))
}

/// Whether a handle's poll said "cancelled".
fn cancelled<T>(poll: Poll<Result<T, JoinError>>) -> bool {
    matches!(poll, Poll::Ready(Err(e)) if e.is_cancelled())
}

fn runtime(max_threads: usize, keep_alive: Duration) -> Runtime {
    super::builder()
        .max_blocking_threads(max_threads)
        .thread_keep_alive(keep_alive)
        .build()
        .unwrap()
}

// ANCHOR: cap
#[test]
fn the_cap_holds_and_the_job_over_it_waits_in_the_queue() {
    let runtime = runtime(2, PATIENCE);
    let gate = Gate::default();
    let running = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..3)
        .map(|job| {
            let (gate, running) = (gate.clone(), Arc::clone(&running));
            runtime.spawn_blocking(move || {
                running.fetch_add(1, Ordering::SeqCst);
                let opened = gate.wait();
                (job, opened, thread::current().name().map(String::from))
            })
        })
        .collect();
    // Two jobs run, one per thread; the third waits for a thread.
    eventually("two jobs running", || running.load(Ordering::SeqCst) == 2);
    let metrics = runtime.blocking_metrics();
    assert_eq!((metrics.threads, metrics.queued), (2, 1), "{metrics:?}");
    thread::sleep(Duration::from_millis(50));
    assert_eq!(running.load(Ordering::SeqCst), 2, "a third job started");
    gate.open();
    let done = runtime.block_on(async {
        let mut done = Vec::new();
        for handle in handles {
            done.push(handle.await.unwrap());
        }
        done
    });
    for (job, (number, opened, thread)) in done.into_iter().enumerate() {
        assert_eq!((number, opened), (job, true));
        let thread = thread.unwrap();
        assert!(["blocking-0", "blocking-1"].contains(&&*thread), "{thread}");
    }
    // The queued job ran on a thread that finished its first one.
    let metrics = runtime.blocking_metrics();
    assert_eq!(
        (metrics.threads_started, metrics.jobs_run),
        (2, 3),
        "{metrics:?}"
    );
}
// ANCHOR_END: cap

#[test]
fn a_hundred_jobs_on_four_threads_all_complete() {
    let runtime = runtime(4, PATIENCE);
    let sum = runtime.block_on(async {
        let handles: Vec<_> =
            (0..100u64).map(|n| spawn_blocking(move || n * n)).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, (0..100u64).map(|n| n * n).sum());
    let metrics = runtime.blocking_metrics();
    assert!(metrics.threads_started <= 4, "{metrics:?}");
    assert_eq!((metrics.jobs_run, metrics.queued), (100, 0));
}

// ANCHOR: keep_alive
#[test]
fn idle_threads_retire_after_the_keep_alive() {
    let keep_alive = Duration::from_millis(300);
    let runtime = runtime(4, keep_alive);
    let name = || thread::current().name().map(String::from);
    let first = runtime.block_on(async { spawn_blocking(name).await });
    // The handle's wake comes before the thread is back among the idle
    // ones; a job spawned in between would start a second thread.
    eventually("the thread goes idle", || {
        runtime.blocking_metrics().idle == 1
    });
    // Within the keep-alive, the idle thread takes the next job.
    let second = runtime.block_on(async { spawn_blocking(name).await });
    let idle_since = Instant::now();
    assert_eq!(first.unwrap().as_deref(), Some("blocking-0"));
    assert_eq!(second.unwrap().as_deref(), Some("blocking-0"));
    thread::sleep(keep_alive / 6);
    assert_eq!(runtime.blocking_metrics().threads, 1, "retired early");
    eventually("the idle thread retires", || {
        runtime.blocking_metrics().threads == 0
    });
    let idle_for = idle_since.elapsed();
    assert!(
        idle_for >= keep_alive * 8 / 10,
        "retired after {idle_for:?}"
    );
    // The next job starts a thread again.
    let third = runtime.block_on(async { spawn_blocking(name).await });
    assert_eq!(third.unwrap().as_deref(), Some("blocking-1"));
    let metrics = runtime.blocking_metrics();
    assert_eq!(
        (metrics.threads_started, metrics.threads_retired),
        (2, 1),
        "{metrics:?}"
    );
}
// ANCHOR_END: keep_alive

/// Runs `test` on a thread of its own, and fails if it takes longer than
/// `limit` (the thread is left behind: the test has failed anyway).
fn within<T: Send + 'static>(
    limit: Duration,
    test: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, result) = mpsc::channel();
    thread::spawn(move || done.send(test()));
    result.recv_timeout(limit).expect("the test hung")
}

#[test]
#[cfg_attr(miri, ignore = "thousands of rounds: too slow interpreted")]
fn no_job_is_stranded_by_a_thread_that_retires_as_it_arrives() {
    // A keep-alive about as long as the pause between jobs: many jobs
    // arrive just as their thread's wait times out.
    // A stranded job would wait for ever: the limit turns that into a
    // failure. (It is generous: a loaded machine runs the rounds slowly.)
    within(PATIENCE * 6, || {
        let runtime = runtime(2, Duration::from_micros(30));
        runtime.block_on(async {
            for round in 0..3000u64 {
                let pause = Duration::from_micros(round % 60);
                let job = spawn_blocking(move || thread::sleep(pause));
                job.await.unwrap();
                std::thread::sleep(Duration::from_micros(round * 7 % 200));
            }
        });
        let metrics = runtime.blocking_metrics();
        assert_eq!(metrics.jobs_run, 3000, "{metrics:?}");
        assert!(metrics.threads_retired > 0, "{metrics:?}");
    });
}

// ANCHOR: wakes_epoll
#[test]
#[cfg_attr(miri, ignore = "reads /proc")]
fn a_completion_wakes_a_task_parked_in_epoll_wait() {
    use ch15_runtime::harness::procfs::wait_until_asleep;

    let runtime = runtime(4, PATIENCE);
    // SAFETY: gettid has no preconditions.
    let runtime_thread = unsafe { libc::gettid() };
    let answer = runtime.block_on(async move {
        let task = spawn(async move {
            // The job waits until the runtime's thread sleeps: with no
            // socket and no timer, in `epoll_wait` with no timeout. Only
            // the eventfd can end that sleep.
            let job = spawn_blocking(move || {
                wait_until_asleep(&[runtime_thread], PATIENCE).map(|()| 42)
            });
            job.await
        });
        task.await
    });
    assert_eq!(answer.unwrap().unwrap().unwrap(), 42);
    let metrics = runtime.metrics();
    // Chapter 15: on a multi-threaded runtime the workers publish their
    // counts when they park next, so `parks` may lag; the wake itself,
    // through the injection queue and the eventfd, is what counts here.
    if super::FLAVOR == ch15_runtime::runtime::Flavor::CurrentThread {
        assert!(metrics.parks >= 1, "{metrics:?}");
    }
    assert_eq!(metrics.io_events, 0, "{metrics:?}");
}
// ANCHOR_END: wakes_epoll

// ANCHOR: panic
#[test]
fn a_panicking_job_reaches_its_handle_and_the_pool_keeps_serving() {
    let runtime = runtime(1, PATIENCE);
    let (panicked, next) = runtime.block_on(async {
        let panicked = spawn_blocking(|| -> u32 { panic!("boom") }).await;
        let next = spawn_blocking(|| 7).await;
        (panicked, next)
    });
    let error = panicked.unwrap_err();
    assert!(error.is_panic());
    assert_eq!(error.to_string(), "task panicked: boom");
    assert_eq!(next.unwrap(), 7);
    // The same thread ran both: the panic did not take it down.
    assert_eq!(runtime.blocking_metrics().threads_started, 1);
}
// ANCHOR_END: panic

#[test]
fn abort_cancels_a_job_that_is_still_queued() {
    let runtime = runtime(1, PATIENCE);
    let gate = Gate::default();
    let ran = Arc::new(AtomicBool::new(false));
    let g = gate.clone();
    let first = runtime.spawn_blocking(move || g.wait());
    let r = Arc::clone(&ran);
    let mut queued =
        runtime.spawn_blocking(move || r.store(true, Ordering::SeqCst));
    queued.abort();
    gate.open();
    let first = runtime.block_on(first);
    assert!(first.unwrap());
    let cancelled = runtime.block_on(&mut queued).unwrap_err();
    assert!(cancelled.is_cancelled());
    assert!(!ran.load(Ordering::SeqCst));
    // The aborted job's closure is gone: its capture with it.
    assert_eq!(Arc::strong_count(&ran), 1);
}

// ANCHOR: drop_waits
#[test]
fn dropping_the_runtime_waits_for_running_jobs_and_cancels_queued_ones() {
    let runtime = runtime(1, PATIENCE);
    let (started_tx, started) = mpsc::channel();
    let finished = Arc::new(AtomicBool::new(false));
    let f = Arc::clone(&finished);
    let running = runtime.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        thread::sleep(Duration::from_millis(100));
        f.store(true, Ordering::SeqCst);
    });
    let queued_ran = Arc::new(AtomicBool::new(false));
    let q = Arc::clone(&queued_ran);
    let mut queued =
        runtime.spawn_blocking(move || q.store(true, Ordering::SeqCst));
    started.recv_timeout(PATIENCE).unwrap();
    drop(runtime);
    // The running job ran to its end before the drop returned…
    assert!(finished.load(Ordering::SeqCst));
    drop(running);
    // …and the queued one never started, and says so.
    assert!(!queued_ran.load(Ordering::SeqCst));
    assert!(cancelled(peek(&mut queued)));
    // Both closures, and what they captured, are gone.
    assert_eq!(Arc::strong_count(&finished), 1);
    assert_eq!(Arc::strong_count(&queued_ran), 1);
}
// ANCHOR_END: drop_waits

// ANCHOR: shutdown_timeout
#[test]
#[cfg_attr(miri, ignore = "reads /proc")]
fn shutdown_timeout_leaves_a_long_job_to_finish_on_its_own() {
    let runtime = runtime(1, PATIENCE);
    let (tid_tx, tid) = mpsc::channel();
    let probe = Arc::new(());
    let p = Arc::clone(&probe);
    let _job = runtime.spawn_blocking(move || {
        // SAFETY: gettid has no preconditions.
        tid_tx.send(unsafe { libc::gettid() }).unwrap();
        thread::sleep(Duration::from_millis(400));
        drop(p);
    });
    let tid = tid.recv_timeout(PATIENCE).unwrap();
    let started = Instant::now();
    runtime.shutdown_timeout(Duration::from_millis(50));
    let waited = started.elapsed();
    assert!(waited < Duration::from_millis(300), "waited {waited:?}");
    // The job goes on, and its thread exits after it: nothing is left.
    assert_eq!(Arc::strong_count(&probe), 2, "the job stopped early");
    eventually("the job's end", || Arc::strong_count(&probe) == 1);
    eventually("the detached thread's exit", || {
        !std::path::Path::new(&format!("/proc/self/task/{tid}")).exists()
    });
}
// ANCHOR_END: shutdown_timeout

#[test]
fn a_pool_that_shut_down_cancels_new_jobs_at_once() {
    let mut pool = Pool::new(Config::default());
    let spawner = pool.spawner().clone();
    let early = spawner.spawn(|| 1);
    assert!(pool.shutdown(None));
    assert!(early.is_finished());
    let mut late = spawner.spawn(|| 2);
    assert!(cancelled(peek(&mut late)));
    let metrics = spawner.metrics();
    assert_eq!((metrics.threads, metrics.jobs), (0, 2), "{metrics:?}");
}

#[test]
fn spawn_blocking_outside_a_runtime_panics() {
    let outside = std::panic::catch_unwind(|| spawn_blocking(|| ()));
    let message = outside.unwrap_err();
    let message = message.downcast_ref::<&str>().copied().unwrap_or("");
    assert!(message.contains("outside a runtime"), "{message}");
}
