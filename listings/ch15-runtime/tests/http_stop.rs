//! `http-server` stops gracefully on SIGTERM and SIGINT. The server runs
//! in a child process, so the signal goes to a process of its own and no
//! handler or mask of the test binary is involved; every wait has a
//! deadline, and a child still running at the end is killed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
Content-Type: text/plain\r\n\r\nHello, world!";

/// The server, its address, and its output line by line.
struct Server {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

impl Server {
    fn start(flags: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_http-server"))
            .args(["--port", "0"])
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: "127.0.0.1:0".parse().unwrap(),
            lines,
        };
        assert!(server.line().starts_with("machine: "));
        let listening = server.line();
        let addr = listening
            .strip_prefix("listening on ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("{listening:?}"));
        server.addr = addr.parse().unwrap();
        server
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(TIMEOUT)
            .expect("a line from the server")
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect_timeout(&self.addr, TIMEOUT).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        stream
    }

    fn signal(&self, signo: libc::c_int) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) on our own child, which has not been reaped (we
        // own its `Child`), so the pid is still its.
        assert_eq!(unsafe { libc::kill(pid, signo) }, 0);
    }

    /// Waits for the process to exit.
    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    all
}

#[test]
fn sigterm_finishes_the_request_in_hand_closes_the_idle_and_exits() {
    let mut server = Server::start(&["--flavor", "current-thread"]);
    let mut idle = server.connect();
    idle.write_all(GET).unwrap();
    let mut hello = vec![0; HELLO.len()];
    idle.read_exact(&mut hello).unwrap();
    assert_eq!(hello, HELLO);
    let mut busy = server.connect();
    busy.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\n")
        .unwrap();
    // Time for the server to read it: unread, it is no request in hand.
    thread::sleep(Duration::from_millis(200));
    server.signal(libc::SIGTERM);
    assert_eq!(server.line(), "SIGTERM: stopping");
    assert_eq!(read_to_end(&mut idle), b"", "closed without a word");
    busy.write_all(b"Content-Length: 3\r\n\r\nbye").unwrap();
    let response = read_to_end(&mut busy);
    assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(response.ends_with(b"bye"));
    drop((idle, busy));
    assert_eq!(server.line(), "stopped: 2 connections finished, 0 dropped");
    assert!(server.wait().success());
    let refused = TcpStream::connect_timeout(&server.addr, TIMEOUT);
    assert!(refused.is_err(), "nobody listens any more");
}

#[test]
fn sigint_drops_a_stuck_client_at_the_drain_deadline() {
    let flags = [
        "--flavor",
        "multi-thread",
        "--workers",
        "2",
        "--drain-ms",
        "300",
    ];
    let mut server = Server::start(&flags);
    let mut stuck = server.connect();
    stuck.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    server.signal(libc::SIGINT);
    assert_eq!(server.line(), "SIGINT: stopping");
    assert_eq!(server.line(), "stopped: 0 connections finished, 1 dropped");
    assert!(server.wait().success());
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(300), "{took:?}");
    let mut rest = Vec::new();
    let _ = stuck.read_to_end(&mut rest); // an end, or a reset
    assert!(rest.is_empty(), "no response");
}
