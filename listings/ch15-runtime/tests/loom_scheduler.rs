//! loom models of the multi-threaded scheduler: the run queue's steal
//! against its owner's pushes and pops, and the way to sleep and be woken
//! (the idle bookkeeping, a worker's parker and the reactor it may sleep
//! in). Run with `RUSTFLAGS="--cfg loom" cargo test --release -p
//! ch15-runtime --test loom_scheduler` (`cargo xtask test --only loom`
//! does).
//!
//! The files under test are compiled here a second time, against loom's
//! atomics, locks and cell: their `crate::sync` is the module below, and
//! the queue has 4 slots instead of 256, so that loom reaches a full ring
//! and its wrap-around in a few operations. The reactor is a pretend one:
//! a flag and a condition variable with an eventfd's behaviour (a wake
//! before the wait is kept).
#![cfg(loom)]

mod sync {
    pub use loom::cell::UnsafeCell;
    pub use loom::sync::atomic::{
        AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering,
    };
    pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
    pub use loom::thread;
}

// Each model uses a part of these files; the rest is unused here.
#[allow(dead_code)]
#[path = "../src/runtime/multi_thread/idle.rs"]
mod idle;
#[allow(dead_code)]
#[path = "../src/runtime/multi_thread/inject.rs"]
mod inject;
#[allow(dead_code)]
#[path = "../src/runtime/multi_thread/park.rs"]
mod park;
#[allow(dead_code)]
#[path = "../src/parker.rs"]
mod parker;
#[allow(dead_code)]
#[path = "../src/runtime/multi_thread/queue.rs"]
mod queue;

use std::time::Duration;

use loom::cell::UnsafeCell;
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

use idle::Idle;
use inject::Inject;

/// Explores every interleaving with at most `bound` preemptions: enough
/// for the races below, and seconds instead of hours.
fn model(bound: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(bound);
    builder.check(f);
}

/// Everything one end of a queue can give back, owner's pops first.
fn drain(local: &mut queue::Local<usize>) -> Vec<usize> {
    std::iter::from_fn(|| local.pop()).collect()
}

fn sorted(mut tasks: Vec<usize>) -> Vec<usize> {
    tasks.sort_unstable();
    tasks
}

// ANCHOR: steal_model
/// The owner pushes, pops and overflows while a thief steals half: every
/// task comes out exactly once, wherever it went.
#[test]
fn a_steal_racing_pushes_and_pops_moves_every_task_once() {
    model(3, || {
        let (mut local, steal) = queue::new::<usize>();
        for task in 0..3 {
            local.push_back(task, |_| unreachable!("room for three"));
        }
        let thief = thread::spawn(move || {
            let (mut mine, _) = queue::new();
            let mut got = Vec::new();
            if let Some((task, _)) = steal.steal_into(&mut mine) {
                got.push(task);
                got.extend(drain(&mut mine));
            }
            got
        });
        let mut got: Vec<usize> = local.pop().into_iter().collect();
        let mut overflowed = Vec::new();
        for task in 3..6 {
            // The ring holds 4: a push may overflow, mid-steal or not.
            local.push_back(task, |batch| overflowed.extend(batch));
        }
        got.extend(thief.join().unwrap());
        got.extend(drain(&mut local));
        got.extend(overflowed);
        assert_eq!(sorted(got), (0..6).collect::<Vec<_>>());
    });
}
// ANCHOR_END: steal_model

/// Two thieves, and the owner popping and pushing: one thief at a time,
/// and nothing twice.
#[test]
fn two_thieves_and_the_owner_take_every_task_once() {
    model(2, || {
        let (mut local, steal) = queue::new::<usize>();
        for task in 0..4 {
            local.push_back(task, |_| unreachable!("room for four"));
        }
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                thread::spawn(move || {
                    let (mut mine, _) = queue::new();
                    let mut got = Vec::new();
                    if let Some((task, _)) = steal.steal_into(&mut mine) {
                        got.push(task);
                        got.extend(drain(&mut mine));
                    }
                    got
                })
            })
            .collect();
        // The owner pops one and pushes two more meanwhile: it must not
        // write over a slot either thief is still copying.
        let mut got: Vec<usize> = local.pop().into_iter().collect();
        let mut overflowed = Vec::new();
        for task in 4..6 {
            local.push_back(task, |batch| overflowed.extend(batch));
        }
        for thief in thieves {
            got.extend(thief.join().unwrap());
        }
        got.extend(drain(&mut local));
        got.extend(overflowed);
        assert_eq!(sorted(got), (0..6).collect::<Vec<_>>());
    });
}

/// A thief steals from a worker that is itself being stolen from: the
/// thief's own ring must not be overwritten while its slots are out.
#[test]
fn a_thief_robbed_while_it_steals_keeps_every_task() {
    model(2, || {
        let (mut a, steal_a) = queue::new::<usize>();
        let (mut b, steal_b) = queue::new::<usize>();
        for task in 0..2 {
            a.push_back(task, |_| unreachable!());
        }
        b.push_back(10, |_| unreachable!());
        // Another thread robs `b` while `b`'s owner steals from `a`.
        let robber = thread::spawn(move || {
            let (mut mine, _) = queue::new();
            let mut got = Vec::new();
            if let Some((task, _)) = steal_b.steal_into(&mut mine) {
                got.push(task);
                got.extend(drain(&mut mine));
            }
            got
        });
        let mut got = Vec::new();
        if let Some((task, _)) = steal_a.steal_into(&mut b) {
            got.push(task);
        }
        got.extend(drain(&mut b));
        got.extend(robber.join().unwrap());
        got.extend(drain(&mut a));
        assert_eq!(sorted(got), vec![0, 1, 10]);
    });
}

/// A pretend reactor: `park` waits until woken, and a wake that comes
/// before the wait is kept, as an eventfd keeps its count.
#[derive(Default)]
struct Eventfd {
    woken: Mutex<bool>,
    changed: Condvar,
}

impl park::Unpark for Eventfd {
    fn unpark(&self) {
        *self.woken.lock().unwrap() = true;
        self.changed.notify_one();
    }
}

struct Reactor(Arc<Eventfd>);

impl park::Driver for Reactor {
    fn park(&mut self, timeout: Option<Duration>) {
        let mut woken = self.0.woken.lock().unwrap();
        if timeout.is_none() {
            while !*woken {
                woken = self.0.changed.wait(woken).unwrap();
            }
        }
        *woken = false;
    }
}

/// One worker's side of "find work or sleep", as `worker.rs` has it:
/// look, search, look again, park (the last searcher looks once more),
/// and sleep until a notifier takes it off the sleepers' list. Returns the
/// task it found.
fn worker(
    inject: &Inject<usize>,
    idle: &Idle,
    parker: &park::Parker,
    unparker: &park::Unparker,
    eventfd: &Eventfd,
    reactor: &Mutex<Reactor>,
) -> usize {
    let mut searching = false;
    loop {
        if let Some(task) = inject.pop() {
            return task;
        }
        if !searching {
            searching = idle.transition_worker_to_searching();
        }
        if searching && let Some(task) = inject.pop() {
            return task;
        }
        let was_searching = std::mem::take(&mut searching);
        if idle.transition_worker_to_parked(0, was_searching)
            && !inject.is_empty()
            && idle.worker_to_notify().is_some()
        {
            unparker.unpark(eventfd);
        }
        loop {
            parker.park(reactor);
            if !idle.is_parked(0) {
                searching = true;
                break;
            }
        }
    }
}

// ANCHOR: wake_model
/// A task arrives from another thread while the only worker goes to
/// sleep, in the reactor: whatever the interleaving, the worker wakes and
/// finds it (loom reports a deadlock if it sleeps for ever).
#[test]
fn a_task_injected_while_the_worker_parks_in_the_reactor_is_found() {
    model(3, || {
        let inject = Arc::new(Inject::new());
        let idle = Arc::new(Idle::new(1));
        let (parker, unparker) = park::new();
        let eventfd = Arc::new(Eventfd::default());
        let reactor = Mutex::new(Reactor(Arc::clone(&eventfd)));
        let remote = {
            let (inject, idle, unparker, eventfd) = (
                Arc::clone(&inject),
                Arc::clone(&idle),
                unparker.clone(),
                Arc::clone(&eventfd),
            );
            thread::spawn(move || {
                assert!(inject.push(7).is_none());
                if let Some(worker) = idle.worker_to_notify() {
                    assert_eq!(worker, 0);
                    unparker.unpark(&*eventfd);
                }
            })
        };
        let task =
            worker(&inject, &idle, &parker, &unparker, &eventfd, &reactor);
        assert_eq!(task, 7);
        remote.join().unwrap();
    });
}
// ANCHOR_END: wake_model

/// The same, with the reactor taken by another worker: this one sleeps on
/// its condition variable, which only a notification ends.
#[test]
fn a_task_injected_while_the_worker_parks_on_its_condvar_is_found() {
    model(3, || {
        let inject = Arc::new(Inject::new());
        let idle = Arc::new(Idle::new(1));
        let (parker, unparker) = park::new();
        let eventfd = Arc::new(Eventfd::default());
        let reactor = Mutex::new(Reactor(Arc::clone(&eventfd)));
        // Another worker sleeps in the reactor the whole time.
        let _taken = reactor.lock().unwrap();
        let remote = {
            let (inject, idle, unparker, eventfd) = (
                Arc::clone(&inject),
                Arc::clone(&idle),
                unparker.clone(),
                Arc::clone(&eventfd),
            );
            thread::spawn(move || {
                assert!(inject.push(7).is_none());
                if let Some(worker) = idle.worker_to_notify() {
                    unparker.unpark(&*eventfd);
                    assert_eq!(worker, 0);
                }
            })
        };
        let task =
            worker(&inject, &idle, &parker, &unparker, &eventfd, &reactor);
        assert_eq!(task, 7);
        remote.join().unwrap();
    });
}

/// A worker's parker: whichever way it sleeps, an unpark from another
/// thread ends the sleep, and what that thread did before is visible (a
/// plain cell: loom reports a race unless the state word orders it).
#[test]
fn an_unpark_ends_a_park_and_publishes_what_came_before() {
    for reactor_taken in [false, true] {
        model(3, move || {
            let (parker, unparker) = park::new();
            let eventfd = Arc::new(Eventfd::default());
            let reactor = Mutex::new(Reactor(Arc::clone(&eventfd)));
            let _taken = reactor_taken.then(|| reactor.lock().unwrap());
            let news = Arc::new(UnsafeCell::new(0));
            let writer = Arc::clone(&news);
            let waker = thread::spawn(move || {
                // SAFETY (for loom's checker): only this thread writes.
                writer.with_mut(|news| unsafe { *news = 1 });
                unparker.unpark(&*eventfd);
            });
            parker.park(&reactor);
            // SAFETY (for loom's checker): written before the unpark.
            assert_eq!(news.with(|news| unsafe { *news }), 1);
            waker.join().unwrap();
        });
    }
}

/// `block_on`'s parker (chapter 11's, copied): `park` returns after an
/// unpark from another thread and sees what that thread did before.
#[test]
fn block_on_parks_until_an_unpark_from_another_thread() {
    loom::model(|| {
        let parker = parker::Parker::new();
        let unparker = parker.unparker();
        let news = Arc::new(UnsafeCell::new(0));
        let writer = Arc::clone(&news);
        let thread = thread::spawn(move || {
            // SAFETY (for loom's checker): only this thread writes.
            writer.with_mut(|news| unsafe { *news = 1 });
            unparker.unpark();
        });
        parker.park();
        // SAFETY (for loom's checker): the write happened before the
        // unpark, which happened before `park` returned.
        assert_eq!(news.with(|news| unsafe { *news }), 1);
        thread.join().unwrap();
    });
}
