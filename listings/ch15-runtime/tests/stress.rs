//! The whole runtime under load at once, bounded: a ring of tasks passing
//! tokens (a million wakes, most of them from one worker to another), ten
//! thousand wakes from a thread outside the runtime while it is idle, ten
//! thousand connections opened and closed (so descriptor numbers, and the
//! reactor's slots, are reused all the time), timers at random and jobs on
//! the blocking pool in between. It asserts that nothing hangs (a watchdog
//! thread aborts the process, saying why, if the test has not finished in
//! 60 s), that every task completes, and that no read ever returns data
//! from another connection (a stale event or a reused registration would
//! show as a wrong number).
//!
//! Sizes: as said in a release build; a debug build (plain `cargo test`)
//! does a tenth, in a few seconds. Miri does not run it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::channel::{self, Sender};
use ch15_runtime::io::{AsyncReadExt, AsyncWriteExt};
use ch15_runtime::net::{TcpListener, TcpStream};
use ch15_runtime::rng::Rng;
use ch15_runtime::runtime::Builder;
use ch15_runtime::{Runtime, spawn, spawn_blocking, time};

/// The watchdog's limit: far above what a healthy run takes.
const LIMIT: Duration = Duration::from_secs(60);

/// A tenth of `n` in a debug build.
fn scaled(n: u64) -> u64 {
    if cfg!(debug_assertions) { n / 10 } else { n }
}

// ANCHOR: watchdog
/// Aborts the process, with a message, unless dropped within `LIMIT`: a
/// hang becomes a failure with a reason instead of a stuck CI job.
struct Watchdog(Option<mpsc::Sender<()>>);

fn watchdog(what: &'static str) -> Watchdog {
    let (done, finished) = mpsc::channel::<()>();
    thread::spawn(move || {
        // `Disconnected` (the guard dropped) is the good outcome.
        if finished.recv_timeout(LIMIT) == Err(mpsc::RecvTimeoutError::Timeout)
        {
            eprintln!("{what}: not finished after {LIMIT:?}: a hang; abort");
            std::process::abort();
        }
    });
    Watchdog(Some(done))
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.0.take());
    }
}
// ANCHOR_END: watchdog

/// The token that tells a ring's task to stop (and pass it on).
const STOP: u64 = u64::MAX;

/// `tasks` tasks in a ring, each receiving from its channel and sending to
/// the next; `tokens` tokens go round, each for `hops / tokens` hops.
/// Returns the hops made. Every hop is a send that wakes the receiver.
async fn ring(tasks: usize, tokens: u64, hops: u64) -> u64 {
    let made = Arc::new(AtomicU64::new(0));
    let (done, mut finished) = channel::channel::<()>();
    let mut senders: Vec<Sender<u64>> = Vec::new();
    let mut receivers = Vec::new();
    for _ in 0..tasks {
        let (tx, rx) = channel::channel::<u64>();
        senders.push(tx);
        receivers.push(rx);
    }
    let first = senders[0].clone();
    let mut handles = Vec::new();
    for (index, mut rx) in receivers.into_iter().enumerate() {
        let next = senders[(index + 1) % tasks].clone();
        let (made, done) = (Arc::clone(&made), done.clone());
        handles.push(spawn(async move {
            while let Some(left) = rx.recv().await {
                if left == STOP {
                    // The next one may have stopped already: fine.
                    let _ = next.send(STOP);
                    break;
                }
                made.fetch_add(1, Ordering::Relaxed);
                if left == 0 {
                    done.send(()).unwrap();
                } else {
                    next.send(left - 1).unwrap();
                }
            }
        }));
    }
    drop((senders, done));
    for _ in 0..tokens {
        first.send(hops / tokens - 1).unwrap();
    }
    for _ in 0..tokens {
        finished.recv().await.expect("a token finished its hops");
    }
    first.send(STOP).unwrap();
    for handle in handles {
        handle.await.expect("every ring task completes");
    }
    made.load(Ordering::Relaxed)
}

/// `rounds` wakes from a thread outside the runtime, each while the
/// runtime is idle: the thread sends a number to a task and waits for the
/// task's answer before it sends the next. Returns the sum of the answers.
fn ping_pong(runtime: &Runtime, rounds: u64) -> u64 {
    let (ping, mut pings) = channel::channel::<u64>();
    let (pong, pongs) = mpsc::channel::<u64>();
    // The outside thread; this one runs the runtime (a current-thread
    // runtime runs its tasks only inside `block_on`).
    let outside = thread::spawn(move || {
        let mut sum = 0;
        for n in 0..rounds {
            ping.send(n).unwrap();
            sum += pongs.recv().expect("the task answers");
        }
        sum
    });
    // A spawned task, so that on a multi-threaded runtime a worker runs
    // it (and each wake goes through the injection queue).
    let task = runtime.spawn(async move {
        while let Some(n) = pings.recv().await {
            pong.send(n + 1).unwrap();
        }
    });
    runtime.block_on(task).expect("the task completes");
    outside.join().unwrap()
}

/// The server's side of one connection: read the client's number, send
/// it back, close.
async fn answer(mut stream: TcpStream) {
    let mut id = [0; 8];
    // A client that went away early is no failure of the server's.
    if stream.read_exact(&mut id).await.is_ok() {
        let _ = stream.write_all(&id).await;
    }
}

// ANCHOR: client
/// One client: maybe a timer first, maybe a job on the blocking pool,
/// then connect, send its number, and read back exactly that number and
/// then the end of the stream: anything else would be another
/// connection's data.
async fn client(addr: std::net::SocketAddr, id: u64, rng: &mut Rng) {
    if rng.range(0, 4) == 0 {
        time::sleep(Duration::from_micros(rng.range(0, 2_000))).await;
    }
    if id.is_multiple_of(64) {
        let back = spawn_blocking(move || id).await.unwrap();
        assert_eq!(back, id);
    }
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&id.to_le_bytes()).await.unwrap();
    let mut echoed = [0; 8];
    stream.read_exact(&mut echoed).await.unwrap();
    assert_eq!(u64::from_le_bytes(echoed), id, "another connection's data");
    let mut rest = [0; 8];
    assert_eq!(
        stream.read(&mut rest).await.unwrap(),
        0,
        "bytes after the end"
    );
}
// ANCHOR_END: client

/// `connections` connections from `clients` tasks, each connecting again
/// as soon as its last one closed. Returns how many completed.
async fn churn(connections: u64, clients: u64) -> u64 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = spawn(async move {
        for _ in 0..connections {
            let (stream, _) = listener.accept().await.unwrap();
            spawn(answer(stream));
        }
    });
    let completed = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..clients)
        .map(|client_index| {
            let completed = Arc::clone(&completed);
            spawn(async move {
                let mut rng = Rng::new(client_index + 1);
                let mut id = client_index;
                while id < connections {
                    client(addr, id, &mut rng).await;
                    completed.fetch_add(1, Ordering::Relaxed);
                    id += clients;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("every client task completes");
    }
    server.await.expect("the accept loop completes");
    completed.load(Ordering::Relaxed)
}

/// Timers at random: `count` tasks sleeping 0 to 3 ms, some cancelled by
/// a timeout before they fire. Returns how many completed.
async fn timers(count: u64) -> u64 {
    let handles: Vec<_> = (0..count)
        .map(|i| {
            spawn(async move {
                let mut rng = Rng::new(i + 7);
                let nap = Duration::from_micros(rng.range(0, 3_000));
                let limit = Duration::from_micros(rng.range(0, 3_000));
                let _ = time::timeout(limit, time::sleep(nap)).await;
            })
        })
        .collect();
    let mut completed = 0;
    for handle in handles {
        handle.await.expect("every timer task completes");
        completed += 1;
    }
    completed
}

/// Everything at once on `runtime`.
fn stress(runtime: &Runtime, hops: u64, connections: u64) {
    let started = Instant::now();
    let timer_tasks = connections / 4;
    let (made, completed, fired) = runtime.block_on(async move {
        let ring = spawn(ring(64, 16, hops));
        let churn = spawn(churn(connections, 32));
        let timers = spawn(timers(timer_tasks));
        (
            ring.await.unwrap(),
            churn.await.unwrap(),
            timers.await.unwrap(),
        )
    });
    assert_eq!(made, hops);
    let rounds = hops / 100;
    assert_eq!(ping_pong(runtime, rounds), rounds * (rounds + 1) / 2);
    assert_eq!(completed, connections);
    assert_eq!(fired, timer_tasks);
    // A server-side task may still be between its last wake and its
    // removal from the runtime's list: give it a moment, not forever.
    let until = Instant::now() + Duration::from_secs(5);
    while runtime.live_tasks() > 0 && Instant::now() < until {
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(runtime.live_tasks(), 0, "a task never completed");
    eprintln!(
        "{:?}: {hops} hops, {} idle wakes from outside, {connections} \
         connections, {timer_tasks} timers in {:.2?}",
        runtime.flavor(),
        hops / 100,
        started.elapsed()
    );
}

#[test]
fn a_million_wakes_ten_thousand_connections_and_random_timers_on_two_workers() {
    let _watchdog = watchdog("the multi-threaded stress test");
    let runtime = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    stress(&runtime, scaled(1_000_000), scaled(10_000));
}

#[test]
fn the_same_load_scaled_down_on_one_thread() {
    let _watchdog = watchdog("the current-thread stress test");
    let runtime = Builder::new_current_thread().build().unwrap();
    stress(&runtime, scaled(100_000), scaled(2_000));
}
