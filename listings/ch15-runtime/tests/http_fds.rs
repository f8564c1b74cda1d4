//! Out of descriptors, the server backs off and carries on: `http-server
//! --max-fds 40` runs out after about thirty connections, `accept` fails
//! with EMFILE, and the clients beyond that wait in the accept queue, not
//! answered and not refused, while those accepted are served. When some
//! close, the waiting ones are accepted and answered, and the server still
//! stops cleanly. A child process, since the limit is process-wide.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\
Content-Type: text/plain\r\n\r\nHello, world!";
const CLIENTS: usize = 60;

#[test]
fn out_of_descriptors_the_server_waits_and_recovers() {
    for flavor in ["current-thread", "multi-thread"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_http-server"))
            .args(["--port", "0", "--max-fds", "40", "--flavor", flavor])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Killed if anything below fails.
        let pid = child.id() as libc::pid_t;
        let guard = Kill(pid);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        lines.next().unwrap().unwrap(); // the machine line
        let listening = lines.next().unwrap().unwrap();
        let addr: SocketAddr = listening
            .strip_prefix("listening on ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap()
            .parse()
            .unwrap();
        let mut clients: Vec<TcpStream> = (0..CLIENTS)
            .map(|_| {
                let mut s = TcpStream::connect_timeout(&addr, TIMEOUT).unwrap();
                s.set_write_timeout(Some(TIMEOUT)).unwrap();
                s.write_all(GET).unwrap();
                s
            })
            .collect();
        thread::sleep(Duration::from_millis(500));
        // Who has been answered?
        let (mut answered, mut waiting) = (Vec::new(), Vec::new());
        for mut client in clients.drain(..) {
            client.set_nonblocking(true).unwrap();
            let mut buf = [0; 1024];
            match client.read(&mut buf) {
                Ok(n) => {
                    assert_eq!(&buf[..n], HELLO);
                    answered.push(client);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    waiting.push(client)
                }
                Err(e) => panic!("{flavor}: a client saw {e}"),
            }
        }
        assert!(answered.len() >= 20, "{flavor}: {}", answered.len());
        assert!(!waiting.is_empty(), "{flavor}: nobody waits: no EMFILE?");
        // Some close; the waiting ones are accepted and answered.
        drop(answered);
        let start = Instant::now();
        for mut client in waiting {
            client.set_nonblocking(false).unwrap();
            client.set_read_timeout(Some(TIMEOUT)).unwrap();
            let mut hello = vec![0; HELLO.len()];
            client.read_exact(&mut hello).unwrap();
            assert_eq!(hello, HELLO, "{flavor}");
        }
        assert!(start.elapsed() < TIMEOUT);
        // And it still stops cleanly.
        // SAFETY: kill(2) on our own child, not yet reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "{flavor}: did not exit");
            thread::sleep(Duration::from_millis(10));
        };
        std::mem::forget(guard);
        assert!(status.success(), "{flavor}");
    }
}

/// Kills the child by its pid if the test fails before it exits.
struct Kill(libc::pid_t);

impl Drop for Kill {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child; if it has exited and not been
        // reaped, the pid is still its (a zombie), so no other process.
        unsafe { libc::kill(self.0, libc::SIGKILL) };
    }
}
