//! A flood of readable events does not starve timers: the loop takes one
//! batch of events per round, each callback reads once, and every round
//! begins with the timers that are due.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch08_callbacks::EventLoop;
use ch08_callbacks::listen::{self, listen};
use ch08_callbacks::nbio;

const FLOODERS: usize = 4;
/// On a busy 2-core machine the loop's thread can be kept off the CPU for
/// a hundred milliseconds and more. A starved timer would not fire at all
/// while the flood goes on, and the flood goes on until the timers have
/// fired (or the watchdog stops the loop after 10 s).
const BOUND: Duration = Duration::from_secs(1);

/// Calls `then` once the flood has been read from, checking every 10 ms.
fn when_flooding(
    lp: &mut EventLoop,
    reads: Rc<Cell<u64>>,
    then: impl FnOnce(&mut EventLoop) + 'static,
) {
    lp.set_timeout(Duration::from_millis(10), move |lp| {
        if reads.get() > 0 {
            then(lp);
        } else {
            when_flooding(lp, reads, then);
        }
    });
}

#[test]
fn a_flood_of_readable_events_does_not_starve_timers() {
    let mut lp = EventLoop::new().unwrap();
    let reads = Rc::new(Cell::new(0u64));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let counter = Rc::clone(&reads);
    listen(&mut lp, listener, move |lp, stream| {
        let stream = listen::prepare(stream).unwrap();
        let id = lp.add(Rc::clone(&stream));
        let counter = Rc::clone(&counter);
        lp.on_readable(id, move |lp| {
            counter.set(counter.get() + 1);
            match nbio::read(&stream, &mut [0; 4096]) {
                Ok(Some(0)) | Err(_) => drop(lp.remove(id)),
                _ => {}
            }
        });
    })
    .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    // Connected here, before the loop runs: they wait in the listen queue.
    let flooders: Vec<_> = (0..FLOODERS)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed)
                    && s.write_all(&[1; 4096]).is_ok()
                {}
            })
        })
        .collect();

    // Once the flood runs, three timers, 50 ms apart; each notes how late it
    // is and how many reads the flood has had so far. The last one sets a
    // zero-delay timer, due at once, that stops the loop: it runs in the next
    // round, after a poll phase.
    let fired = Rc::new(RefCell::new(Vec::new()));
    let before = Rc::new(Cell::new(0));
    let after = Rc::new(Cell::new(0));
    let (log, count) = (Rc::clone(&fired), Rc::clone(&reads));
    let (at_start, at_end) = (Rc::clone(&before), Rc::clone(&after));
    when_flooding(&mut lp, Rc::clone(&reads), move |lp| {
        at_start.set(count.get());
        for i in 1..=3 {
            let (log, count, at_end) =
                (Rc::clone(&log), Rc::clone(&count), Rc::clone(&at_end));
            let due = Instant::now() + Duration::from_millis(50 * i);
            lp.set_timeout_at(due, move |lp| {
                log.borrow_mut().push(Instant::now() - due);
                if i == 3 {
                    lp.set_timeout(Duration::ZERO, move |lp| {
                        at_end.set(count.get());
                        lp.stop();
                    });
                }
            });
        }
    });
    let handle = lp.handle();
    let watchdog = thread::spawn(move || {
        thread::sleep(Duration::from_secs(10));
        handle.stop();
    });
    lp.run().unwrap();
    stop.store(true, Ordering::Relaxed);
    drop(lp); // closes the server's sockets: the flooders' writes fail
    for flooder in flooders {
        flooder.join().unwrap();
    }
    drop(watchdog);

    let fired = fired.take();
    assert_eq!(fired.len(), 3, "every timer fired while the flood went on");
    for late in &fired {
        assert!(*late < BOUND, "a timer was {late:?} late");
    }
    assert!(
        before.get() > 0,
        "the flood was on when the timers were set"
    );
    // And it was served after they fired: the loop did not stop reading to
    // run the timers, nor run the timers only when reading paused.
    assert!(
        after.get() > before.get(),
        "{} reads, then {}",
        before.get(),
        after.get()
    );
}
