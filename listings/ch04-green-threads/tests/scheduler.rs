//! The scheduler's promises: round-robin order, results through `join`,
//! panics contained, many threads.

use ch04_green_threads::{Builder, run, spawn, yield_now};
use std::cell::RefCell;
use std::rc::Rc;

/// A log the green threads of one test append to.
fn log() -> Rc<RefCell<Vec<String>>> {
    Rc::new(RefCell::new(Vec::new()))
}

#[test]
fn threads_take_turns_in_spawn_order() {
    let events = log();
    let seen = Rc::clone(&events);
    run(move || {
        let handles: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let events = Rc::clone(&seen);
                spawn(move || {
                    for step in 1..=3 {
                        events.borrow_mut().push(format!("{name}{step}"));
                        yield_now();
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
    let expected = ["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"];
    assert_eq!(*events.borrow(), expected);
}

#[test]
fn a_spawned_thread_waits_until_the_spawner_yields() {
    let events = log();
    let seen = Rc::clone(&events);
    run(move || {
        let child_log = Rc::clone(&seen);
        let child =
            spawn(move || child_log.borrow_mut().push("child".to_string()));
        seen.borrow_mut().push("parent before yield".to_string());
        yield_now();
        seen.borrow_mut().push("parent after yield".to_string());
        child.join().unwrap();
    });
    let expected = ["parent before yield", "child", "parent after yield"];
    assert_eq!(*events.borrow(), expected);
}

#[test]
fn join_returns_what_the_thread_returned() {
    let sum = run(|| {
        let handles: Vec<_> =
            (1..=10u64).map(|n| spawn(move || n * n)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
    });
    assert_eq!(sum, 385);
}

#[test]
fn run_returns_after_every_thread_finished() {
    let events = log();
    let seen = Rc::clone(&events);
    run(move || {
        // Never joined: `run` still waits for it.
        spawn(move || {
            yield_now();
            seen.borrow_mut().push("detached".to_string());
        });
    });
    assert_eq!(*events.borrow(), ["detached"]);
}

#[test]
fn a_panic_is_returned_by_join_and_others_keep_running() {
    let (panicked, survivor) = run(|| {
        let bad = spawn(|| -> u32 { panic!("green thread failed") });
        let good = spawn(|| {
            yield_now();
            7
        });
        (bad.join(), good.join())
    });
    let payload = panicked.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"green thread failed"));
    assert_eq!(survivor.unwrap(), 7);
}

#[test]
fn a_panic_in_main_resumes_in_the_caller_of_run() {
    let outcome = std::panic::catch_unwind(|| run(|| panic!("main failed")));
    assert!(outcome.is_err());
    // The runtime was torn down: a new one can start on this OS thread.
    assert_eq!(run(|| 5), 5);
}

#[test]
fn a_thousand_threads_complete() {
    const THREADS: usize = 1000;
    let sum_of_indices = run(|| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                Builder::new()
                    .stack_size(16 * 1024)
                    .spawn(move || {
                        yield_now();
                        yield_now();
                        i
                    })
                    .unwrap()
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum::<usize>()
    });
    assert_eq!(sum_of_indices, THREADS * (THREADS - 1) / 2);
}

#[test]
fn green_threads_spawn_green_threads() {
    let depth = run(|| {
        fn nest(level: u32) -> u32 {
            if level == 5 {
                return level;
            }
            spawn(move || nest(level + 1)).join().unwrap()
        }
        nest(0)
    });
    assert_eq!(depth, 5);
}

#[test]
#[should_panic(expected = "no green-thread runtime")]
fn yield_now_outside_run_panics() {
    yield_now();
}

#[test]
#[should_panic(expected = "cannot be nested")]
fn run_inside_run_panics() {
    run(|| run(|| ()));
}
