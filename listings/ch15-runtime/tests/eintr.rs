//! A signal interrupts `epoll_wait` with `EINTR`; the runtime's turn
//! restarts it instead of giving up, and a task waiting for a socket keeps
//! waiting for its data. (Its own test binary: it installs a signal
//! handler for the process.)

use std::io::Write;
use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::Runtime;
use ch15_runtime::client::{PATIENCE, connect};
use ch15_runtime::io::AsyncReadExt;
use ch15_runtime::net::TcpStream;

static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_: libc::c_int) {
    SIGNALS.fetch_add(1, Ordering::Relaxed); // async-signal-safe
}

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

#[test]
fn signals_during_a_wait_do_not_end_it() {
    install_handler();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = connect(listener.local_addr().unwrap(), PATIENCE).unwrap();
    let (server, _) = listener.accept().unwrap();
    let (asleep_tx, asleep) = mpsc::channel();
    let runtime_thread = thread::spawn(move || {
        let runtime = Runtime::new().unwrap();
        let start = Instant::now();
        let read = runtime.block_on(async move {
            let mut socket = TcpStream::from_std(server)?;
            asleep_tx.send(()).unwrap();
            let mut buf = [0; 8];
            let n = socket.read(&mut buf).await?;
            std::io::Result::Ok(buf[..n].to_vec())
        });
        (read, start.elapsed(), runtime.metrics())
    });
    asleep.recv_timeout(PATIENCE).unwrap();
    for _ in 0..3 {
        thread::sleep(Duration::from_millis(50));
        // SAFETY: the thread is alive until it is joined below.
        let thread = runtime_thread.as_pthread_t();
        assert_eq!(unsafe { libc::pthread_kill(thread, libc::SIGUSR1) }, 0);
    }
    thread::sleep(Duration::from_millis(50));
    client.write_all(b"late").unwrap();
    let (read, took, metrics) = runtime_thread.join().unwrap();
    assert_eq!(read.unwrap(), b"late");
    assert_eq!(SIGNALS.load(Ordering::Relaxed), 3);
    assert!(took >= Duration::from_millis(200), "{took:?}");
    // Each signal ended an epoll_wait early; none ended a turn: the turns
    // are the few the read needed, not one per signal.
    assert!(metrics.turns <= 3, "{metrics:?}");
}
