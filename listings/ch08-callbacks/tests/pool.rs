//! The thread pool: work runs on its threads, completions come back to the
//! loop's thread, a finished job wakes a sleeping loop, a panicking job is
//! an error for its callback and nothing worse.

use std::cell::RefCell;
use std::collections::HashSet;
use std::net::TcpListener;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch08_callbacks::EventLoop;
use ch08_callbacks::event_loop::POOL_SIZE;

#[test]
fn completions_run_on_the_loop_thread_and_work_on_the_pool() {
    let mut lp = EventLoop::new().unwrap();
    let loop_thread = thread::current().id();
    let seen = Rc::new(RefCell::new(Vec::new()));
    for i in 0..20 {
        let seen = Rc::clone(&seen); // an Rc: `done` is not Send
        lp.spawn_blocking(
            move || {
                let me = thread::current();
                Ok((i, me.id(), me.name().unwrap_or("").to_string()))
            },
            move |_, result| {
                let (i, worker, name) = result.unwrap();
                assert_eq!(thread::current().id(), loop_thread);
                seen.borrow_mut().push((i, worker, name));
            },
        );
    }
    lp.run().unwrap();
    let seen = seen.take();
    assert_eq!(seen.len(), 20, "every job's callback ran");
    let workers: HashSet<_> = seen.iter().map(|(_, id, _)| *id).collect();
    assert!(!workers.contains(&loop_thread), "no job ran on the loop");
    assert!(workers.len() <= POOL_SIZE);
    assert!(seen.iter().all(|(_, _, name)| name.starts_with("pool-")));
    assert_eq!(lp.stats().panics, 0, "{:?}", lp.stats().last_panic);
}

#[test]
fn the_pool_runs_as_many_jobs_at_once_as_it_has_threads() {
    let mut lp = EventLoop::with_pool_size(3).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    for _ in 0..9 {
        let (running, most) = (Arc::clone(&running), Arc::clone(&most));
        lp.spawn_blocking(
            move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(250));
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            },
            |_, result| result.unwrap(),
        );
    }
    lp.run().unwrap();
    assert_eq!(most.load(Ordering::SeqCst), 3);
}

#[test]
fn a_finished_job_wakes_a_loop_blocked_in_epoll_wait() {
    let mut lp = EventLoop::new().unwrap();
    // A listener with a callback keeps the loop alive and waiting, with no
    // timeout: only the pool's notify can wake it.
    let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
    let id = lp.add(Rc::clone(&listener));
    lp.on_readable(id, |_| {});
    let started = Instant::now();
    lp.spawn_blocking(
        || {
            thread::sleep(Duration::from_millis(50));
            Ok(Instant::now())
        },
        move |lp, finished| {
            let finished = finished.unwrap();
            // Woken within a short time of the job's end.
            assert!(finished.elapsed() < Duration::from_secs(2));
            lp.remove(id);
        },
    );
    // A watchdog, so that a lost wake-up fails the test instead of hanging.
    let handle = lp.handle();
    let watchdog = thread::spawn(move || {
        thread::sleep(Duration::from_secs(10));
        handle.stop();
    });
    lp.run().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woken by the pool"
    );
    let stats = lp.stats();
    assert_eq!(stats.panics, 0, "{:?}", stats.last_panic);
    assert_eq!(stats.rounds, 1, "one wait, ended by the pool's notify");
    drop(watchdog); // detached; it only stops a loop that has returned
}

#[test]
fn a_panicking_job_is_an_error_for_its_callback_and_the_pool_goes_on() {
    let mut lp = EventLoop::with_pool_size(1).unwrap();
    let results = Rc::new(RefCell::new(Vec::new()));
    let r = Rc::clone(&results);
    lp.spawn_blocking(
        || -> std::io::Result<()> { panic!("the disk is on fire") },
        move |_, result| r.borrow_mut().push(result.map_err(|e| e.to_string())),
    );
    let r = Rc::clone(&results);
    lp.spawn_blocking(
        || Ok(()),
        move |_, result| r.borrow_mut().push(result.map_err(|e| e.to_string())),
    );
    lp.run().unwrap();
    let results = results.take();
    assert_eq!(
        results,
        [
            Err("the job panicked: the disk is on fire".to_string()),
            Ok(()),
        ]
    );
    assert_eq!(lp.stats().panics, 1);
}
