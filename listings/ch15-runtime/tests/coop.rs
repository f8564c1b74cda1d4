//! The cooperative budget: a task that is always ready cannot keep the
//! thread. A hog reads 16-byte pieces from a socket that a thread keeps
//! full, so that no read ever meets `EAGAIN`; without a budget, its loop
//! would never return `Pending` and, on a runtime with one thread for
//! tasks, nothing else would run until the hog gave up. With the budget,
//! a timer, another task and a new connection each get their turn within
//! a small fraction of the hog's run.
//!
//! Each test runs on a current-thread runtime and on a multi-threaded one
//! with a single worker, so that the hog and its victims share a thread.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::coop;
use ch15_runtime::io::AsyncReadExt;
use ch15_runtime::net::{TcpListener, TcpStream};
use ch15_runtime::runtime::{Builder, Runtime};
use ch15_runtime::{sleep, spawn};

/// How long the hog reads.
const HOG_FOR: Duration = Duration::from_millis(600);
/// What "its turn came soon" means: well within the hog's run.
const SOON: Duration = Duration::from_millis(200);

fn runtimes() -> [Runtime; 2] {
    [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
    ]
}

/// Failures, gathered over both flavours so that a failing test says
/// which flavours fail.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, ok: bool, why: String) {
        if !ok {
            self.0.push(why);
        }
    }
}

impl Drop for Failures {
    fn drop(&mut self) {
        if !self.0.is_empty() && !thread::panicking() {
            panic!("{:#?}", self.0);
        }
    }
}

/// A socket whose peer, a thread, keeps it full until it is dropped.
async fn always_ready() -> TcpStream {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let mut peer = std::net::TcpStream::connect(addr).unwrap();
        peer.set_write_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let chunk = [7u8; 64 * 1024];
        // Ends when the hog drops its socket (a reset) or stalls.
        while peer.write_all(&chunk).is_ok() {}
    });
    let (socket, _) = listener.accept().await.unwrap();
    socket
}

/// Reads until `HOG_FOR` has passed since `start`; returns how many reads.
async fn hog(mut socket: TcpStream, start: Instant) -> u64 {
    let mut piece = [0u8; 16];
    let mut reads = 0;
    while start.elapsed() < HOG_FOR {
        socket.read_exact(&mut piece).await.unwrap();
        reads += 1;
    }
    reads
}

// ANCHOR: timer
#[test]
fn a_task_reading_an_always_ready_socket_lets_a_timer_fire() {
    let mut failures = Failures::default();
    for runtime in runtimes() {
        let flavor = runtime.flavor();
        let (fired, reads) = runtime.block_on(async {
            let socket = always_ready().await;
            let start = Instant::now();
            let hog = spawn(hog(socket, start));
            let timer = spawn(async move {
                sleep(Duration::from_millis(10)).await;
                start.elapsed()
            });
            (timer.await.unwrap(), hog.await.unwrap())
        });
        failures.check(
            fired < SOON,
            format!(
                "{flavor:?}: the timer fired after {fired:?}, {reads} reads"
            ),
        );
        failures.check(
            runtime.metrics().budget_yields > 0,
            format!("{flavor:?}: no poll ran out of budget"),
        );
    }
}
// ANCHOR_END: timer

#[test]
fn a_task_reading_an_always_ready_socket_lets_another_task_run() {
    let mut failures = Failures::default();
    for runtime in runtimes() {
        let flavor = runtime.flavor();
        let ran = runtime.block_on(async {
            let socket = always_ready().await;
            let start = Instant::now();
            let hot = Arc::new(AtomicBool::new(false));
            let heated = Arc::clone(&hot);
            let hog = spawn(async move {
                let mut socket = socket;
                // Hot: reading without ever waiting.
                socket.read_exact(&mut [0; 16]).await.unwrap();
                heated.store(true, Ordering::Release);
                hog(socket, start).await
            });
            while !hot.load(Ordering::Acquire) {
                ch15_runtime::yield_now().await;
            }
            // Spawned while the hog runs: it waits for the hog to yield.
            let other = spawn(async move { start.elapsed() });
            let ran = other.await.unwrap();
            hog.await.unwrap();
            ran
        });
        failures.check(
            ran < SOON,
            format!("{flavor:?}: the other task ran after {ran:?}"),
        );
    }
}

#[test]
fn a_task_reading_an_always_ready_socket_lets_a_connection_be_accepted() {
    let mut failures = Failures::default();
    for runtime in runtimes() {
        let flavor = runtime.flavor();
        let accepted = runtime.block_on(async {
            let socket = always_ready().await;
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let start = Instant::now();
            // Waits in `accept` before the hog starts.
            let acceptor = spawn(async move {
                let _connection = listener.accept().await.unwrap();
                start.elapsed()
            });
            let hot = Arc::new(AtomicBool::new(false));
            let heated = Arc::clone(&hot);
            let hog = spawn(async move {
                let mut socket = socket;
                socket.read_exact(&mut [0; 16]).await.unwrap();
                heated.store(true, Ordering::Release);
                hog(socket, start).await
            });
            // The client connects while the hog is reading.
            let client = thread::spawn(move || {
                while !hot.load(Ordering::Acquire) {
                    thread::yield_now();
                }
                std::net::TcpStream::connect(addr).unwrap()
            });
            let accepted = acceptor.await.unwrap();
            hog.await.unwrap();
            drop(client.join().unwrap());
            accepted
        });
        failures.check(
            accepted < SOON,
            format!(
                "{flavor:?}: the connection was accepted after {accepted:?}"
            ),
        );
    }
}

// ANCHOR: consume_budget
#[test]
fn a_loop_on_consume_budget_yields_every_128_turns() {
    for runtime in runtimes() {
        let flavor = runtime.flavor();
        let spins = runtime.block_on(async {
            let flag = Arc::new(AtomicBool::new(false));
            let seen = Arc::clone(&flag);
            let start = Instant::now();
            let spinner = spawn(async move {
                let mut spins = 0u64;
                while !seen.load(Ordering::Acquire) && start.elapsed() < HOG_FOR
                {
                    coop::consume_budget().await;
                    spins += 1;
                }
                (spins, seen.load(Ordering::Acquire))
            });
            let setter =
                spawn(async move { flag.store(true, Ordering::Release) });
            setter.await.unwrap();
            let (spins, saw) = spinner.await.unwrap();
            assert!(saw, "{flavor:?}: the spinner never saw the flag");
            spins
        });
        // The spinner gave the thread up after each full budget of 128
        // turns; the call that found the budget spent completed at the
        // next poll, which saw the flag.
        let budget = u64::from(coop::INITIAL);
        assert!(spins > budget, "{flavor:?}: {spins}");
        assert_eq!((spins - 1) % budget, 0, "{flavor:?}: {spins}");
    }
}
// ANCHOR_END: consume_budget

#[test]
fn outside_a_runtime_the_budget_is_unconstrained() {
    assert_eq!(coop::current().remaining(), None);
    let inside = coop::budget(coop::current);
    assert_eq!(inside.remaining(), Some(coop::INITIAL));
    assert_eq!(coop::current().remaining(), None, "restored after");
}

/// While tasks are queued, the current-thread runtime looks at the
/// reactor once every `event_interval` polls, not after every round: two
/// tasks that each yield 1,000 times make a round of two polls per yield,
/// so a look after every round (interval 1, chapter 12's rule) is about
/// 1,000 `epoll_wait` calls, and tokio's interval of 61 about 2,000 / 61.
#[test]
fn a_busy_current_thread_runtime_looks_at_the_reactor_once_per_interval() {
    const YIELDS: u64 = 1_000;
    let turns = |interval: u32| {
        let runtime = Builder::new_current_thread()
            .event_interval(interval)
            .build()
            .unwrap();
        runtime.block_on(async {
            let yielder = || {
                spawn(async {
                    for _ in 0..YIELDS {
                        ch15_runtime::yield_now().await;
                    }
                })
            };
            let (a, b) = (yielder(), yielder());
            a.await.unwrap();
            b.await.unwrap();
        });
        runtime.metrics().turns
    };
    let every_round = turns(1);
    assert!(
        (YIELDS..YIELDS + 10).contains(&every_round),
        "{every_round}"
    );
    let every_61 = turns(61);
    let expected = 2 * YIELDS / 61;
    assert!(
        (expected..expected + 10).contains(&every_61),
        "{every_61} turns, expected about {expected}"
    );
}
