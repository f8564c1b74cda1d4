//! A signal that interrupts a blocked `read` does not end it: `sys::read`
//! sees `EINTR` and asks again. One test only, because the signal handler
//! belongs to the whole test process.

use ch01_blocking_read::harness::procfs;
use ch01_blocking_read::sys;
use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static HANDLED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_signal(_signal: libc::c_int) {
    // Only async-signal-safe work in a handler: an atomic increment is.
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

/// Installs `on_signal` for SIGUSR1 without `SA_RESTART`, so that a blocked
/// `read` returns `EINTR` instead of being restarted by the kernel.
fn install_handler() {
    // SAFETY: an all-zero `sigaction` is a valid value: no flags, empty mask.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
    // SAFETY: `action` is initialised, and `on_signal` only touches an atomic.
    let ret = unsafe {
        libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut())
    };
    sys::cvt(ret).unwrap();
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_signal_does_not_end_a_blocked_read() {
    install_handler();
    let pipe = sys::pipe().unwrap();
    let reader = pipe.reader;
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        tid_tx.send(sys::gettid()).unwrap();
        let mut byte = [0u8; 1];
        sys::read(&reader, &mut byte).map(|n| (n, byte[0]))
    });
    let tid = tid_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    procfs::wait_until_asleep(&[tid], Duration::from_secs(10)).unwrap();

    // SAFETY: the thread has not been joined, so its pthread_t is valid.
    let ret =
        unsafe { libc::pthread_kill(thread.as_pthread_t(), libc::SIGUSR1) };
    assert_eq!(ret, 0);
    wait_for("the handler", || HANDLED.load(Ordering::SeqCst) == 1);
    // The read was interrupted, retried, and is asleep again.
    wait_for("the retry", || {
        let state = procfs::thread_state(tid);
        state.expect("the thread ended: EINTR was not retried") == 'S'
    });
    assert!(!thread.is_finished());

    sys::write_all(&pipe.writer, &[42]).unwrap();
    assert_eq!(thread.join().unwrap().unwrap(), (1, 42));
}
