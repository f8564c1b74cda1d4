//! One file read through the blocking pool, traced by the runtime and
//! printed as the mermaid sequence diagram the chapter shows: who wakes
//! whom between `fs::read(path).await` and its answer.
//!
//! The file is a named pipe, so the read blocks until a thread of this
//! program, the "disk", writes to it. The disk waits until the trace shows
//! the runtime asleep in `epoll_wait` with no timeout, so every run draws
//! the same picture: the only way out of that sleep is the eventfd.
//! Usage: `blocking-trace`.

use std::thread;
use std::time::Duration;

use ch14_blocking::slow_file::{self, Fifo};
use ch14_blocking::{Runtime, fs, spawn, trace};

const WAIT: Duration = Duration::from_secs(10);

/// The disk: once the runtime sleeps, writes `hello` to the pipe.
fn disk(path: std::path::PathBuf) -> Result<(), String> {
    if !trace::wait_for("epoll_wait, no timeout", 1, WAIT) {
        return Err("the runtime never slept".into());
    }
    trace::record(|| "disk->>K: write hello to the pipe, close it".into());
    slow_file::feed(&path, b"hello", WAIT).map_err(|e| e.to_string())
}

fn main() -> Result<(), String> {
    let fifo = Fifo::new("slow-disk").map_err(|e| e.to_string())?;
    let runtime = Runtime::new().map_err(|e| e.to_string())?;
    let path = fifo.path().to_owned();
    trace::start();
    let disk = thread::Builder::new()
        .name("disk".into())
        .spawn({
            let path = path.clone();
            move || disk(path)
        })
        .map_err(|e| e.to_string())?;
    // ANCHOR: main
    let read = runtime.block_on(async move {
        let reader = spawn(async move { fs::read(&path).await });
        reader.await
    });
    // ANCHOR_END: main
    let events = trace::stop();
    drop(runtime);
    if let Err(e) = disk.join().map_err(|_| "the disk panicked")? {
        return Err(format!("{e}; the trace so far:\n{}", events.join("\n")));
    }
    let bytes = read.map_err(|e| e.to_string())?;
    let bytes = bytes.map_err(|e| e.to_string())?;
    if bytes != b"hello" {
        return Err(format!("read {bytes:?}"));
    }

    println!("sequenceDiagram");
    println!("    accTitle: A file read on the blocking pool, traced");
    println!(
        "    accDescr: The main future spawns T0 and waits for it. T0 calls \
         fs::read, which hands std::fs::read to the blocking pool as job 0; \
         the pool has no thread yet and starts blocking-0. T0 waits for \
         the job's JoinHandle, and with nothing to run, the reactor sleeps \
         in epoll_wait with no timeout. The disk thread writes to the \
         pipe; on blocking-0, std::fs::read returns 5 bytes, and \
         completing the job wakes T0 from that thread: T0 goes into the \
         injection queue and the eventfd is written. The kernel reports \
         the eventfd, the executor polls T0, which gets its bytes and \
         finishes, and the main future returns."
    );
    let participants = [
        ("disk", "disk thread"),
        ("main", "main future"),
        ("T0", "T0 reader"),
        ("E", "executor"),
        ("P", "blocking pool"),
        ("blocking-0", "pool thread blocking-0"),
        ("R", "reactor"),
        ("K", "kernel"),
    ];
    for (id, name) in participants {
        println!("    participant {id} as {name}");
    }
    for line in events.iter().flat_map(|event| event.lines()) {
        println!("    {line}");
    }
    Ok(())
}
