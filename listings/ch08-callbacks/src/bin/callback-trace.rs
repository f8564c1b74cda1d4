//! Who calls back whom, traced from a real run of the file server and
//! printed as the mermaid sequence diagram the chapter shows. One client
//! asks for one file, reads the answer and stays idle; the idle timer
//! closes the connection. Usage: `trace`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ch08_callbacks::protocol::Config;
use ch08_callbacks::{EventLoop, files, trace};

const IDLE: Duration = Duration::from_millis(200);

fn main() -> io::Result<()> {
    let dir =
        std::env::temp_dir().join(format!("trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("hello.txt"), "Hello from a file!\n")?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut lp = EventLoop::new()?;
    files::serve(
        &mut lp,
        listener,
        Config {
            dir: dir.clone(),
            idle: IDLE,
        },
    )?;

    let handle = lp.handle();
    let client = thread::spawn(move || -> io::Result<Vec<u8>> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        (&stream).write_all(b"hello.txt\n")?;
        let mut answer = BufReader::new(&stream);
        let mut length = String::new();
        answer.read_line(&mut length)?;
        let mut rest = Vec::new();
        answer.read_to_end(&mut rest)?; // until the server closes
        // Stop the loop once it is asleep again, so that the trace ends the
        // same way in every run.
        thread::sleep(Duration::from_millis(200));
        handle.stop();
        Ok(rest)
    });
    trace::start();
    lp.run()?;
    let events = trace::stop();
    let body = client
        .join()
        .map_err(|_| io::Error::other("client panicked"))??;
    assert_eq!(body, b"Hello from a file!\n");
    std::fs::remove_dir_all(&dir)?;

    println!("sequenceDiagram");
    println!(
        "    accTitle: Who calls back whom, traced from a run of the file server"
    );
    println!(
        "    accDescr: The loop waits in epoll_wait until the listener is readable, and the accept \
         callback accepts the client, setting its read callback and idle timer. The next wait \
         reports the connection readable, and the read callback finds a whole request, cancels \
         the idle timer, stops reading and hands the file read to a pool thread. The loop waits \
         with no timeout until the pool's notify wakes it through the eventfd, and runs the \
         job's done callback, which writes the answer and sets the read callback and idle timer \
         again. The next wait times out at the idle deadline, the timer callback closes the \
         connection, and a last wait ends when the loop is stopped."
    );
    let participants = [
        ("L", "event loop"),
        ("K", "kernel (epoll)"),
        ("A", "accept callback"),
        ("R", "read callback"),
        ("P", "pool thread"),
        ("D", "done callback"),
        ("T", "idle timer callback"),
    ];
    for (id, name) in participants {
        println!("    participant {id} as {name}");
    }
    for line in events {
        println!("    {line}");
    }
    Ok(())
}
