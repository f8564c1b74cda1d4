//! A signal interrupts `epoll_wait` with `EINTR`; the poller's `wait`
//! restarts with the time that is left instead of returning early.
//! (Its own test binary: it installs a signal handler for the process.)

use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch06_epoll::poll::{Events, Poller};

static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_: libc::c_int) {
    SIGNALS.fetch_add(1, Ordering::Relaxed); // async-signal-safe
}

/// Installs `count_signal` for SIGUSR1, without SA_RESTART (which epoll
/// ignores anyway: `epoll_wait` is never restarted by the kernel).
fn install_handler() {
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value;
    // the handler only touches an atomic; the pointers are live.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_signal as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        let rc = libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut());
        assert_eq!(rc, 0);
    }
}

/// Sends SIGUSR1 to `thread` `times` times, 40 ms apart.
fn interrupt(thread: libc::pthread_t, times: usize) {
    for _ in 0..times {
        thread::sleep(Duration::from_millis(40));
        // SAFETY: `thread` is alive until it is joined after this returns.
        assert_eq!(unsafe { libc::pthread_kill(thread, libc::SIGUSR1) }, 0);
    }
}

#[test]
fn signals_interrupt_epoll_wait_and_wait_restarts() {
    install_handler();

    // First, the raw system call: a signal ends it with EINTR.
    let raw = thread::spawn(|| {
        // SAFETY: no pointers but `event`, which is live and writable.
        unsafe {
            let epoll = libc::epoll_create1(libc::EPOLL_CLOEXEC);
            let mut event = libc::epoll_event { events: 0, u64: 0 };
            let ret = libc::epoll_wait(epoll, &mut event, 1, 1000);
            let errno = std::io::Error::last_os_error().raw_os_error();
            libc::close(epoll);
            (ret, errno)
        }
    });
    interrupt(raw.as_pthread_t(), 1);
    assert_eq!(raw.join().unwrap(), (-1, Some(libc::EINTR)));

    // Then the poller: the same signals, and it waits its full time.
    let before = SIGNALS.load(Ordering::Relaxed);
    let waiter = thread::spawn(|| {
        let poller = Poller::new().unwrap();
        let mut events = Events::with_capacity(4);
        let started = Instant::now();
        let n = poller.wait(&mut events, Some(Duration::from_millis(400)));
        (n.unwrap(), started.elapsed())
    });
    interrupt(waiter.as_pthread_t(), 3);
    let (n, waited) = waiter.join().unwrap();
    assert_eq!(SIGNALS.load(Ordering::Relaxed) - before, 3);
    assert_eq!(n, 0);
    assert!(
        waited >= Duration::from_millis(395),
        "returned after {waited:?}"
    );
}
