//! Predict the output: a thread sleeps in `sys::read` on an empty pipe, with
//! room for 4 bytes, when "hello" arrives.

use std::io;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch01_blocking_read::harness::procfs;
use ch01_blocking_read::sys;

fn main() -> io::Result<()> {
    let sys::Pipe { reader, writer } = sys::pipe()?;
    let (tid_sender, tid) = mpsc::channel();
    let reading = thread::spawn(move || -> io::Result<()> {
        tid_sender.send(sys::gettid()).expect("main is waiting");
        let mut buf = [0u8; 4];
        loop {
            let n = sys::read(&reader, &mut buf)?;
            let text = String::from_utf8_lossy(&buf[..n]);
            println!("read returned {n}: {text:?}");
            if n == 0 {
                return Ok(());
            }
        }
    });
    let tid = tid.recv().expect("the thread started");
    procfs::wait_until_asleep(&[tid], Duration::from_secs(5))?;
    sys::write_all(&writer, b"hello")?;
    drop(writer);
    reading.join().expect("no panic")
}
