//! The exercises' solutions: `sleep` parks on a timer, reads can time out.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net;
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use ch05_green_io::net::TcpStream;
use ch05_green_io::{run, sleep, spawn, yield_now};

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

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the kernel to fill in.
    let ret =
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(ret, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
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
    assert!(turns > 10, "the other thread ran only {turns} times");
}

#[test]
fn when_every_thread_sleeps_the_os_thread_sleeps_too() {
    let cpu_before = thread_cpu_time();
    run(|| sleep(Duration::from_millis(200)));
    let cpu = thread_cpu_time() - cpu_before;
    // Spinning for 200 ms would burn about 200 ms of CPU.
    assert!(
        cpu < Duration::from_millis(50),
        "used {cpu:?} of CPU to sleep"
    );
}

/// A connected socket whose peer writes `b"late"` after `delay`.
fn slow_peer(delay: Duration) -> (net::TcpStream, thread::JoinHandle<()>) {
    let listener = net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let peer = thread::spawn(move || {
        let mut stream = net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        thread::sleep(delay);
        stream.write_all(b"late").expect("write");
        let _ = stream.read(&mut [0; 1]); // until our side closes
    });
    (listener.accept().expect("accept").0, peer)
}

#[test]
fn a_read_timeout_wakes_the_parked_thread_and_the_socket_still_works() {
    let (socket, peer) = slow_peer(Duration::from_millis(300));
    let (first, waited, second, turns) = run(move || {
        let done = Rc::new(Cell::new(false));
        let counter = count_turns(&done);
        let mut stream = TcpStream::from_std(socket).expect("green socket");
        stream.set_read_timeout(Some(Duration::from_millis(100)));
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
    assert!(waited < Duration::from_millis(300), "{waited:?}");
    assert_eq!(second, b"late");
    assert!(turns > 10, "the other thread ran only {turns} times");
}
