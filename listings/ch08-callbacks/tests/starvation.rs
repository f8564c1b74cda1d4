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

const FLOODERS: usize = 8;
/// On a busy 2-core machine the loop's thread can be descheduled for tens
/// of milliseconds; a starved timer would wait for the flood to end.
const BOUND: Duration = Duration::from_millis(250);

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
    let flooders: Vec<_> = (0..FLOODERS)
        .map(|_| {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
                while !stop.load(Ordering::Relaxed)
                    && s.write_all(&[1; 4096]).is_ok()
                {}
            })
        })
        .collect();

    // Once the flood runs, three timers, 50 ms apart; each notes how late it
    // is and how many reads the flood has had so far.
    let fired = Rc::new(RefCell::new(Vec::new()));
    let (log, count) = (Rc::clone(&fired), Rc::clone(&reads));
    lp.set_timeout(Duration::from_millis(100), move |lp| {
        assert!(count.get() > 0, "the flood is on");
        for i in 1..=3 {
            let (log, count) = (Rc::clone(&log), Rc::clone(&count));
            let due = Instant::now() + Duration::from_millis(50 * i);
            lp.set_timeout_at(due, move |lp| {
                log.borrow_mut().push((Instant::now() - due, count.get()));
                if i == 3 {
                    lp.stop();
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
    for (late, _) in &fired {
        assert!(*late < BOUND, "a timer was {late:?} late");
    }
    // The flood was served between the timers, not held back for them.
    assert!(
        fired[0].1 < fired[1].1 && fired[1].1 < fired[2].1,
        "{fired:?}"
    );
}
