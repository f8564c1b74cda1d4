//! The file server, in both versions (callbacks on the loop, a thread per
//! connection), against the same checks.

use std::ffi::CString;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use ch08_callbacks::client::closed_by_peer;
use ch08_callbacks::protocol::{Config, MAX_FILE};
use ch08_callbacks::{blocking, launch};

const IDLE: Duration = Duration::from_millis(400);

/// A folder of test files, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(test: &str) -> Folder {
        let dir = std::env::temp_dir()
            .join(format!("ch08-{test}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("a.txt"), "alpha\n").unwrap();
        std::fs::write(dir.join("b.txt"), "beta\n").unwrap();
        std::fs::write(dir.join("big.bin"), big()).unwrap();
        std::fs::write(dir.join("huge.bin"), vec![0; MAX_FILE as usize + 1])
            .unwrap();
        Folder(dir)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn big() -> Vec<u8> {
    (0..MAX_FILE as usize).map(|i| (i % 251) as u8).collect()
}

/// Runs `check` against the callback server and the threaded one.
fn both(test: &str, check: impl Fn(SocketAddr, &Path)) {
    let folder = Folder::new(test);
    let config = Config {
        dir: folder.0.clone(),
        idle: IDLE,
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = launch::spawn_files(listener, config.clone()).unwrap();
    check(addr, &folder.0);
    let stats = server.stop().unwrap();
    assert_eq!(stats.panics, 0, "{:?}", stats.last_panic);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = blocking::spawn(listener, config).unwrap();
    check(addr, &folder.0);
    drop(server);
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Reads one answer: the file's bytes, or the error line.
fn answer(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let line = line.trim_end();
    if let Some(error) = line.strip_prefix("error: ") {
        return Err(error.to_string());
    }
    let len: usize = line
        .parse()
        .unwrap_or_else(|_| panic!("bad answer {line:?}"));
    let mut bytes = vec![0; len];
    reader.read_exact(&mut bytes).unwrap();
    Ok(bytes)
}

/// Whether the server closes the connection within `limit` (a close with
/// unread bytes on the server's side arrives as a reset).
fn closed_within(stream: &TcpStream, limit: Duration) -> bool {
    stream.set_read_timeout(Some(limit)).unwrap();
    match (&mut &*stream).read(&mut [0; 1]) {
        Ok(n) => n == 0,
        Err(e) => closed_by_peer(&e),
    }
}

#[test]
fn files_are_served_one_request_after_another() {
    both("sequence", |addr, _| {
        let s = connect(addr);
        let mut r = BufReader::new(&s);
        for (name, body) in [
            ("a.txt", "alpha\n"),
            ("b.txt", "beta\n"),
            ("a.txt", "alpha\n"),
        ] {
            (&s).write_all(format!("{name}\n").as_bytes()).unwrap();
            assert_eq!(answer(&mut r), Ok(body.as_bytes().to_vec()));
        }
    });
}

#[test]
fn requests_sent_together_are_answered_in_order() {
    both("pipelined", |addr, _| {
        let s = connect(addr);
        (&s).write_all(b"b.txt\nmissing\na.txt\n").unwrap();
        let mut r = BufReader::new(&s);
        assert_eq!(answer(&mut r), Ok(b"beta\n".to_vec()));
        assert_eq!(answer(&mut r), Err("no such file".into()));
        assert_eq!(answer(&mut r), Ok(b"alpha\n".to_vec()));
    });
}

#[test]
fn bad_requests_get_errors_and_the_connection_stays() {
    both("errors", |addr, _| {
        let s = connect(addr);
        let mut r = BufReader::new(&s);
        for (request, error) in [
            ("../etc/passwd", "bad name"),
            ("sub", "not a file"),
            ("huge.bin", "too large"),
            ("nope.txt", "no such file"),
        ] {
            (&s).write_all(format!("{request}\n").as_bytes()).unwrap();
            assert_eq!(answer(&mut r), Err(error.to_string()), "{request}");
        }
        (&s).write_all(b"a.txt\n").unwrap();
        assert_eq!(answer(&mut r), Ok(b"alpha\n".to_vec()));
    });
}

#[test]
fn an_idle_client_is_dropped_after_the_timeout_and_not_before() {
    both("idle", |addr, _| {
        let quiet = connect(addr);
        let started = Instant::now();
        assert!(closed_within(&quiet, Duration::from_secs(5)));
        assert!(
            started.elapsed() >= IDLE,
            "closed after {:?}",
            started.elapsed()
        );

        // A client asking every quarter timeout stays for three timeouts.
        let busy = connect(addr);
        let mut r = BufReader::new(&busy);
        let started = Instant::now();
        while started.elapsed() < 3 * IDLE {
            (&busy).write_all(b"a.txt\n").unwrap();
            assert_eq!(answer(&mut r), Ok(b"alpha\n".to_vec()));
            thread::sleep(IDLE / 4);
        }
        // Then it goes quiet, and is dropped.
        assert!(closed_within(&busy, Duration::from_secs(5)));
    });
}

#[test]
fn a_large_file_reaches_a_slow_reader_whole() {
    both("slow", |addr, _| {
        let s = connect(addr);
        (&s).write_all(b"big.bin\n").unwrap();
        // Let the server fill the socket's buffers and wait for room.
        thread::sleep(Duration::from_millis(100));
        let mut r = BufReader::with_capacity(1024, &s);
        assert!(answer(&mut r) == Ok(big()), "the bytes differ");
    });
}

#[test]
fn a_line_too_long_ends_the_connection() {
    both("long", |addr, _| {
        let s = connect(addr);
        (&s).write_all(&[b'a'; 300]).unwrap();
        assert!(closed_within(&s, Duration::from_secs(5)));
        let other = connect(addr);
        (&other).write_all(b"a.txt\n").unwrap();
        assert_eq!(
            answer(&mut BufReader::new(&other)),
            Ok(b"alpha\n".to_vec())
        );
    });
}

/// A named pipe: reading it blocks until a writer comes. Served as a file,
/// it holds a pool thread (or the connection's thread) while others go on.
/// Dropping it lets a blocked reader go (end of file), so that a failed
/// check cannot leave a pool thread blocked for good.
struct Fifo(PathBuf);

impl Fifo {
    fn new(dir: &Path) -> Fifo {
        let path = dir.join("slow.fifo");
        let c_path = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; no other pointers.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        Fifo(path)
    }

    /// Opens the writing end once a reader has the pipe open: without
    /// blocking, retrying until `patience` runs out.
    fn writer(&self, patience: Duration) -> Option<std::fs::File> {
        let started = Instant::now();
        loop {
            let opened = OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&self.0);
            match opened {
                Ok(file) => return Some(file),
                Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {} // no reader yet
                Err(e) => panic!("cannot open the fifo: {e}"),
            }
            if started.elapsed() > patience {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        drop(self.writer(Duration::ZERO));
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_blocked_file_read_does_not_hold_up_other_clients() {
    both("fifo", |addr, dir| {
        let fifo = Fifo::new(dir);
        let waiting = connect(addr);
        (&waiting).write_all(b"slow.fifo\n").unwrap();
        // Another client is served while that read blocks.
        let other = connect(addr);
        (&other).write_all(b"a.txt\n").unwrap();
        let started = Instant::now();
        assert_eq!(
            answer(&mut BufReader::new(&other)),
            Ok(b"alpha\n".to_vec())
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        // A writer comes and goes: the blocked read returns.
        let mut writer = fifo.writer(Duration::from_secs(5)).expect("a reader");
        writer.write_all(b"at last\n").unwrap();
        drop(writer);
        assert_eq!(
            answer(&mut BufReader::new(&waiting)),
            Ok(b"at last\n".to_vec())
        );
    });
}
