//! The scheduler on its own: spawn, yield, join, park and wake, deadlock.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

use ch05_green_io::{current_token, park, run, spawn, wake, yield_now};

#[test]
fn threads_take_turns_round_robin() {
    let order = run(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let handles: Vec<_> = (0..3)
            .map(|id| {
                let log = Rc::clone(&log);
                spawn(move || {
                    for turn in 0..2 {
                        log.borrow_mut().push((id, turn));
                        yield_now();
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("no panic");
        }
        Rc::try_unwrap(log).expect("threads are done").into_inner()
    });
    assert_eq!(order, [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]);
}

#[test]
fn join_parks_until_the_thread_is_done_and_passes_on_panics() {
    let (value, panicked) = run(|| {
        let value = spawn(|| {
            yield_now();
            6 * 7
        })
        .join()
        .expect("no panic");
        (value, spawn(|| panic!("boom")).join().is_err())
    });
    assert_eq!(value, 42);
    assert!(panicked);
}

#[test]
fn a_parked_thread_runs_again_only_when_woken() {
    let log = run(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let token = Rc::new(RefCell::new(None));
        let sleeper = {
            let (log, token) = (Rc::clone(&log), Rc::clone(&token));
            spawn(move || {
                *token.borrow_mut() = Some(current_token());
                park();
                log.borrow_mut().push("woken");
            })
        };
        yield_now(); // the sleeper parks
        yield_now(); // ...and stays parked
        log.borrow_mut().push("waking");
        let token = token.borrow_mut().take().expect("sleeper parked");
        wake(token);
        wake(token); // a second wake of the same wait does nothing
        sleeper.join().expect("no panic");
        Rc::try_unwrap(log).expect("threads are done").into_inner()
    });
    assert_eq!(log, ["waking", "woken"]);
}

#[test]
fn a_token_from_an_earlier_turn_does_not_wake_a_later_park() {
    let log = run(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let tokens = Rc::new(RefCell::new(Vec::new()));
        let sleeper = {
            let (log, tokens) = (Rc::clone(&log), Rc::clone(&tokens));
            spawn(move || {
                tokens.borrow_mut().push(current_token()); // turn 1
                yield_now();
                tokens.borrow_mut().push(current_token()); // turn 2
                park();
                log.borrow_mut().push("woken");
            })
        };
        yield_now(); // the sleeper takes a token and yields
        yield_now(); // it takes another and parks
        let (old, new) = {
            let tokens = tokens.borrow();
            (tokens[0], tokens[1])
        };
        assert_ne!(old, new, "every turn has its own number");
        wake(old); // stale: the sleeper parked in a later turn
        yield_now();
        log.borrow_mut().push("still parked");
        wake(new);
        sleeper.join().expect("no panic");
        Rc::try_unwrap(log).expect("threads are done").into_inner()
    });
    assert_eq!(log, ["still parked", "woken"]);
}

#[test]
fn two_green_threads_may_not_wait_to_read_one_socket() {
    use ch05_green_io::net::TcpStream;
    use std::net;

    let listener = net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let peer = net::TcpStream::connect(listener.local_addr().expect("addr"))
        .expect("connect");
    let (socket, _) = listener.accept().expect("accept");
    let second_reader_panicked = run(move || {
        let stream =
            Rc::new(TcpStream::from_std(socket).expect("green socket"));
        let first = {
            let stream = Rc::clone(&stream);
            spawn(move || {
                let _ = (&*stream).read(&mut [0; 1]);
            })
        };
        yield_now(); // the first reader parks
        let second = {
            let stream = Rc::clone(&stream);
            spawn(move || {
                let _ = (&*stream).read(&mut [0; 1]);
            })
        };
        let panicked = second.join().is_err();
        drop(peer); // end of file: the first reader returns
        first.join().expect("first reader");
        panicked
    });
    assert!(second_reader_panicked);
}
