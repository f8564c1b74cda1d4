//! Deadlines: `sleep` parks only the sleeping thread, a read times out,
//! and deadlines that lose the race against readiness leave the timers at
//! once, so the timers stay as small as the number of threads waiting with
//! a deadline, and the scheduler never wakes up for a deadline nobody waits
//! for any more.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net;
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use ch05_green_io::net::TcpStream;
use ch05_green_io::park::pending_timers;
use ch05_green_io::{run, sleep, spawn, trace, yield_now};

/// Two connected std sockets on the loopback interface.
fn socket_pair() -> (net::TcpStream, net::TcpStream) {
    let listener = net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let client = net::TcpStream::connect(listener.local_addr().expect("addr"))
        .expect("connect");
    let (server, _) = listener.accept().expect("accept");
    (client, server)
}

const ROUNDS: usize = 200;

#[test]
fn deadlines_of_reads_that_got_their_data_are_removed() {
    let (near, far) = socket_pair();
    let most_pending = run(move || {
        let near = TcpStream::from_std(near).expect("green socket");
        let far = TcpStream::from_std(far).expect("green socket");
        // The far end answers each byte, and checks that the near end's
        // read is parked with its deadline meanwhile.
        let answering = spawn(move || {
            for _ in 0..ROUNDS {
                (&far).read_exact(&mut [0]).expect("request");
                assert_eq!(pending_timers(), 1, "the reader waits with one");
                (&far).write_all(b"y").expect("answer");
            }
        });
        near.set_read_timeout(Some(Duration::from_secs(3600)));
        let mut most_pending = 0;
        for _ in 0..ROUNDS {
            (&near).write_all(b"x").expect("request");
            // EAGAIN first (the far end has not run yet): parks with a
            // deadline an hour away, and is woken by the answer.
            (&near).read_exact(&mut [0]).expect("answer");
            most_pending = most_pending.max(pending_timers());
        }
        answering.join().expect("no panic");
        most_pending
    });
    // Without cancelling, all 200 hour-long deadlines would still be here.
    assert_eq!(most_pending, 0);
}

#[test]
fn a_deadline_that_lost_the_race_does_not_wake_the_scheduler() {
    let (near, far) = socket_pair();
    let (slow, slow_peer) = socket_pair();
    let peer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(800));
        (&slow_peer).write_all(b"late").expect("write");
    });
    trace::start();
    run(move || {
        let near = TcpStream::from_std(near).expect("green socket");
        let far = TcpStream::from_std(far).expect("green socket");
        let answering = spawn(move || {
            (&far).read_exact(&mut [0]).expect("request");
            (&far).write_all(b"y").expect("answer");
        });
        // Parks with a deadline 200 ms away; the answer comes first (with
        // a wide margin, also under valgrind or qemu).
        near.set_read_timeout(Some(Duration::from_millis(200)));
        (&near).write_all(b"x").expect("request");
        (&near).read_exact(&mut [0]).expect("answer");
        answering.join().expect("no panic");
        // Now the only wait is for a socket whose data comes after 800 ms.
        let slow = TcpStream::from_std(slow).expect("green socket");
        (&slow).read_exact(&mut [0; 4]).expect("late data");
    });
    let events = trace::stop();
    peer.join().expect("peer");
    let blocking_polls: Vec<&str> = events
        .iter()
        .flat_map(|event| event.lines())
        .filter(|line| line.starts_with("N->>K: epoll_wait"))
        .filter(|line| !line.ends_with("timeout 0 ms"))
        .collect();
    // One sleep in `epoll_wait`, until the late data; none that ends at the
    // old deadline with nothing ready.
    assert_eq!(blocking_polls, ["N->>K: epoll_wait, no timeout"]);
}

/// Spawns a green thread that counts its turns until `done`.
fn count_turns(done: &Rc<Cell<bool>>) -> ch05_green_io::JoinHandle<u64> {
    let done = Rc::clone(done);
    spawn(move || {
        let mut turns = 0;
        while !done.get() {
            turns += 1;
            yield_now();
        }
        turns
    })
}

/// How many times the scheduler called `epoll_wait` in a trace.
fn epoll_waits(events: &[String]) -> usize {
    events
        .iter()
        .flat_map(|event| event.lines())
        .filter(|line| line.starts_with("N->>K: epoll_wait"))
        .count()
}

#[test]
fn sleep_parks_only_the_sleeping_green_thread() {
    let (slept, turns) = run(|| {
        let done = Rc::new(Cell::new(false));
        let counter = count_turns(&done);
        let start = Instant::now();
        sleep(Duration::from_millis(100));
        let slept = start.elapsed();
        done.set(true);
        (slept, counter.join().expect("no panic"))
    });
    assert!(slept >= Duration::from_millis(100), "{slept:?}");
    // A blocking sleep would let it run not at all until the end. (Not
    // more: under valgrind on a busy machine, a turn may take milliseconds.)
    assert!(turns >= 3, "the other thread ran only {turns} times");
}

#[test]
fn when_every_thread_sleeps_the_os_thread_sleeps_too() {
    trace::start();
    run(|| sleep(Duration::from_millis(200)));
    let polls = epoll_waits(&trace::stop());
    // One `epoll_wait` with the deadline as its timeout, and a few that
    // only look. Spinning would poll once per round, thousands of times.
    assert!(polls < 10, "{polls} calls of epoll_wait");
}

/// A connected socket whose peer writes `b"late"` `delay` after it has
/// received our `b"go"`.
fn slow_peer(delay: Duration) -> (net::TcpStream, thread::JoinHandle<()>) {
    let listener = net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let peer = thread::spawn(move || {
        let mut stream = net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.read_exact(&mut [0; 2]).expect("go");
        thread::sleep(delay);
        stream.write_all(b"late").expect("write");
        let _ = stream.read(&mut [0; 1]); // until our side closes
    });
    (listener.accept().expect("accept").0, peer)
}

#[test]
fn a_read_timeout_wakes_the_parked_thread_and_the_socket_still_works() {
    let (socket, peer) = slow_peer(Duration::from_millis(1000));
    let (first, waited, second, turns) = run(move || {
        let done = Rc::new(Cell::new(false));
        let counter = count_turns(&done);
        let mut stream = TcpStream::from_std(socket).expect("green socket");
        stream.set_read_timeout(Some(Duration::from_millis(100)));
        stream.write_all(b"go").expect("go");
        let mut buf = [0; 16];
        let start = Instant::now();
        let first = stream.read(&mut buf).map_err(|e| e.kind());
        let waited = start.elapsed();
        // No timeout now: the stale registration must not get in the way.
        stream.set_read_timeout(None);
        let n = stream.read(&mut buf).expect("second read");
        done.set(true);
        (
            first,
            waited,
            buf[..n].to_vec(),
            counter.join().expect("no panic"),
        )
    });
    peer.join().expect("peer");
    assert_eq!(first, Err(io::ErrorKind::TimedOut));
    assert!(waited >= Duration::from_millis(100), "{waited:?}");
    assert!(waited < Duration::from_millis(1000), "{waited:?}");
    assert_eq!(second, b"late");
    assert!(turns >= 3, "the other thread ran only {turns} times");
}
