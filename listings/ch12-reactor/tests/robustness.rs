//! One misbehaving connection never ends the echo server: peers that
//! vanish, reset in the middle of a write, or never read; and a server out
//! of descriptors backs off, keeps serving, and recovers.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use ch12_reactor::background::Background;
use ch12_reactor::client::{PATIENCE, connect, round_trip};
use ch12_reactor::harness::procfs;
use ch12_reactor::process::ServerProcess;
use ch12_reactor::{Builder, echo};

fn echo_server() -> Background {
    Background::start(Builder::new_current_thread(), echo::serve).unwrap()
}

/// Closes `stream` with SO_LINGER 0: the kernel sends a reset (RST)
/// instead of an orderly end (FIN).
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor is open (owned by `stream`), and `linger` is
    // a valid `struct linger` whose size is passed along with it.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt: {}", io::Error::last_os_error());
    drop(stream);
}

/// Sends without reading until neither direction takes more: the server
/// is parked in `write_all`, and has stopped reading. Returns the bytes
/// sent.
fn push_until_stuck(stream: &mut TcpStream) -> usize {
    stream.set_nonblocking(true).unwrap();
    let chunk = [7u8; 64 * 1024];
    let deadline = Instant::now() + PATIENCE;
    let (mut pushed, mut refused_in_a_row) = (0, 0);
    // Refused for 100 ms in a row: the server is no longer reading.
    while refused_in_a_row < 100 {
        assert!(Instant::now() < deadline, "the buffers never filled");
        match stream.write(&chunk) {
            Ok(n) => {
                pushed += n;
                refused_in_a_row = 0;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                refused_in_a_row += 1;
                thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("push: {e}"),
        }
    }
    stream.set_nonblocking(false).unwrap();
    pushed
}

#[test]
fn peers_that_vanish_end_only_their_own_connection() {
    let server = echo_server();
    let mut survivor = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut survivor, b"before").unwrap();

    // Gone before saying anything.
    drop(connect(server.addr(), PATIENCE).unwrap());
    // Reset while the server waits to read.
    let mut idle = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut idle, b"hello").unwrap();
    reset(idle);
    // Reset in the middle of a write: the server is parked in write_all.
    let mut writer = connect(server.addr(), PATIENCE).unwrap();
    push_until_stuck(&mut writer);
    reset(writer);
    // Half-closed: sends, shuts down its sending side, reads everything.
    let mut half = connect(server.addr(), PATIENCE).unwrap();
    half.write_all(b"last words").unwrap();
    half.shutdown(Shutdown::Write).unwrap();
    let mut echoed = Vec::new();
    half.read_to_end(&mut echoed).unwrap();
    assert_eq!(echoed, b"last words");

    // Each of them ended its own task, and gave back its registration.
    let figures = server.wait_for(PATIENCE, |f| f.live_tasks == 2).unwrap();
    assert_eq!((figures.live_tasks, figures.registrations), (2, 2));
    round_trip(&mut survivor, b"after").unwrap();
    let mut newcomer = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut newcomer, b"new").unwrap();
}

// ANCHOR: never_reads
#[test]
fn a_peer_that_never_reads_parks_its_task_and_costs_no_memory() {
    let server = echo_server();
    let rss = || procfs::status("self").unwrap().vm_rss_kib;
    let before = rss();
    let mut hog = connect(server.addr(), PATIENCE).unwrap();
    let pushed = push_until_stuck(&mut hog);
    // The echo's write_all waits: its task is parked, the runtime asleep.
    let asleep = server.figures().unwrap();
    thread::sleep(Duration::from_millis(200));
    let later = server.figures().unwrap();
    assert_eq!(later.live_tasks, 2, "the accept loop and the hog's task");
    // Nobody spins: in 200 ms, a turn for this second reading (it wakes
    // the runtime through the eventfd), and at most a few for the odd
    // window update from the hog's kernel; a loop that retried its write
    // would turn thousands of times.
    let turns = later.metrics.turns - asleep.metrics.turns;
    assert!((1..=5).contains(&turns), "{turns} turns in 200 ms");
    // Megabytes sit in the kernel's socket buffers; the server holds its
    // 1 KiB buffer, and nothing grows.
    assert!(pushed > 1 << 20, "only {pushed} bytes pushed");
    let grown = rss().saturating_sub(before);
    assert!(grown < 1024, "the process grew by {grown} KiB");
    // Meanwhile others are served.
    let mut bystander = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut bystander, b"still here").unwrap();
    // When the hog reads at last, every byte comes back, in order.
    hog.shutdown(Shutdown::Write).unwrap();
    let mut echoed = Vec::new();
    hog.read_to_end(&mut echoed).unwrap();
    assert_eq!(echoed.len(), pushed);
    assert!(echoed.iter().all(|&byte| byte == 7));
}
// ANCHOR_END: never_reads

/// Has the server echoed our byte yet? (Looks without waiting.)
fn has_echoed(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let echoed = matches!((&*stream).read(&mut [0]), Ok(1));
    stream.set_nonblocking(false).unwrap();
    echoed
}

// ANCHOR: emfile
#[test]
fn out_of_descriptors_the_server_backs_off_and_recovers() {
    // 32 descriptors: stdio, epoll, its eventfd and the listener take 6.
    let mut command = Command::new(env!("CARGO_BIN_EXE_reactor-compare"));
    command.args(["--serve", "reactor", "--max-fds", "32"]);
    let server = ServerProcess::start(command).unwrap();

    let mut clients: Vec<TcpStream> = (0..40)
        .map(|_| connect(server.addr(), PATIENCE).unwrap())
        .collect();
    for client in &mut clients {
        client.write_all(b"x").unwrap();
    }
    thread::sleep(Duration::from_millis(300));
    // Out of descriptors for a second: an accept loop that retried at once
    // would burn a core all that time.
    let cpu_before = server.cpu_time().unwrap();
    thread::sleep(Duration::from_secs(1));
    let cpu = server.cpu_time().unwrap() - cpu_before;
    assert!(
        cpu < Duration::from_millis(100),
        "the accept loop spun: {cpu:?}"
    );

    let (served, mut waiting): (Vec<_>, Vec<_>) =
        clients.into_iter().partition(has_echoed);
    assert!(!waiting.is_empty(), "the limit was never reached");
    assert!(served.len() >= 20, "only {} served", served.len());

    // Closing the served connections frees descriptors for the others.
    drop(served);
    for stream in &mut waiting {
        let mut echoed = [0];
        stream
            .read_exact(&mut echoed)
            .expect("served after others closed");
        assert_eq!(&echoed, b"x");
    }
    let mut newcomer = connect(server.addr(), PATIENCE).unwrap();
    round_trip(&mut newcomer, b"y").unwrap();
}
// ANCHOR_END: emfile
