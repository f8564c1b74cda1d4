//! Signals as futures, in this process: SIGUSR1, SIGUSR2 and a real-time
//! signal, which nothing else in a test binary uses (SIGINT and SIGTERM are tested on the server
//! binary, in a child process: `tests/http_stop.rs`). No signal mask is
//! touched: the handler runs on whichever thread the kernel picks.

use std::time::Duration;

use ch15_runtime::http::server::timeout;
use ch15_runtime::runtime::Builder;
use ch15_runtime::signal::Signals;
use ch15_runtime::{Runtime, spawn};

const TIMEOUT: Duration = Duration::from_secs(5);

fn send(signo: libc::c_int) {
    // SAFETY: kill(2) with our own pid and a signal we have a handler for.
    assert_eq!(unsafe { libc::kill(libc::getpid(), signo) }, 0);
}

#[test]
fn a_signal_wakes_every_watcher_of_it_and_only_them() {
    for runtime in [
        Runtime::new().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ] {
        runtime.block_on(async {
            let mut one = Signals::new(&[libc::SIGUSR1]).unwrap();
            let mut both =
                Signals::new(&[libc::SIGUSR1, libc::SIGUSR2]).unwrap();
            let mut two = Signals::new(&[libc::SIGUSR2]).unwrap();
            // A task waits before the signal comes.
            let waiting = spawn(async move { one.recv().await.unwrap() });
            send(libc::SIGUSR1);
            let got = timeout(TIMEOUT, waiting).await.expect("woken");
            assert_eq!(got.unwrap(), libc::SIGUSR1);
            let got = timeout(TIMEOUT, both.recv()).await.expect("seen");
            assert_eq!(got.unwrap(), libc::SIGUSR1);
            // `two` does not watch SIGUSR1.
            let early = Duration::from_millis(50);
            assert!(timeout(early, two.recv()).await.is_none());
            send(libc::SIGUSR2);
            let got = timeout(TIMEOUT, two.recv()).await.expect("seen");
            assert_eq!(got.unwrap(), libc::SIGUSR2);
            let got = timeout(TIMEOUT, both.recv()).await.expect("seen");
            assert_eq!(got.unwrap(), libc::SIGUSR2);
        });
    }
}

#[test]
fn only_signals_from_the_watch_on_are_reported() {
    // A signal of its own: the tests run at once, on threads of one process.
    let rt = libc::SIGRTMIN() + 1;
    Runtime::new().unwrap().block_on(async {
        let mut first = Signals::new(&[rt]).unwrap();
        send(rt);
        let got = timeout(TIMEOUT, first.recv()).await.expect("seen");
        assert_eq!(got.unwrap(), rt);
        let mut late = Signals::new(&[rt]).unwrap();
        let early = Duration::from_millis(50);
        assert!(timeout(early, late.recv()).await.is_none());
    });
}

#[test]
fn a_bad_signal_number_is_an_error() {
    Runtime::new().unwrap().block_on(async {
        assert!(Signals::new(&[0]).is_err());
        assert!(Signals::new(&[1000]).is_err());
        assert!(Signals::new(&[]).is_err());
    });
}

#[test]
fn a_watcher_that_empties_the_pipe_wakes_the_others() {
    // Signals of their own: the tests run at once, on threads of one process.
    let wanted = libc::SIGRTMIN() + 2;
    let other = libc::SIGRTMIN() + 3;
    // `waiter` waits for `wanted`, then its runtime's thread is kept busy
    // (a task that blocks it on purpose) while the signal comes.
    let (busy, busy_started) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        Runtime::new().unwrap().block_on(async move {
            let mut signals = Signals::new(&[wanted]).unwrap();
            // A task of its own, so that only a wake polls it (the timeout
            // below, when it fires, polls what it wraps: the join handle).
            let waiting = spawn(async move { signals.recv().await });
            spawn(async move {
                busy.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(300));
            });
            timeout(TIMEOUT, waiting).await
        })
    });
    busy_started
        .recv_timeout(TIMEOUT)
        .expect("the waiter is busy");
    // Meanwhile a watcher of another signal, in another runtime, reads the
    // byte for `wanted` out of the pipe. When the waiter's reactor looks at
    // last, epoll finds the pipe empty and reports nothing.
    Runtime::new().unwrap().block_on(async {
        let mut bystander = Signals::new(&[other]).unwrap();
        send(wanted);
        let early = Duration::from_millis(100);
        assert!(timeout(early, bystander.recv()).await.is_none());
    });
    let got = waiter.join().expect("no panic").expect("woken");
    assert_eq!(got.expect("the task ran").unwrap(), wanted);
}
