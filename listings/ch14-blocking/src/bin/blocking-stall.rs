//! What a blocking file read does to the other tasks on the runtime's
//! thread. A ticker task wants a turn every 10 ms and notes the gaps
//! between its turns; meanwhile another task reads a file, once with
//! `std::fs::read` called in the task, once with this crate's `fs::read`,
//! which runs the same call on the blocking pool.
//!
//! Two files: a named pipe whose writer waits 200 ms before it writes (a
//! slow disk, the same on every run), and an ordinary file of 64 MiB that
//! was just written, so that it sits in the page cache and no disk is
//! involved at all.
//!
//! Usage: `blocking-stall [--period-ms 10] [--delay-ms 200] [--file-mib 64]`

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch14_blocking::harness::{args::Args, machine};
use ch14_blocking::slow_file::{self, Fifo};
use ch14_blocking::{Runtime, fs, sleep, spawn};

// ANCHOR: ticker
/// Takes a turn every `period` until `stop`, and returns when it had them.
async fn ticker(period: Duration, stop: Arc<AtomicBool>) -> Vec<Instant> {
    let mut turns = vec![Instant::now()];
    while !stop.load(Ordering::Relaxed) {
        sleep(period).await;
        turns.push(Instant::now());
    }
    turns
}
// ANCHOR_END: ticker

#[derive(Clone, Copy, PartialEq)]
enum How {
    /// `std::fs::read` in the task, on the runtime's thread.
    InTheTask,
    /// `fs::read`: the same call, on the blocking pool.
    OnThePool,
}

// ANCHOR: read
/// Reads the file at `path` in a task of its own, the way `how` says, and
/// returns how many bytes it read, and when it started and ended.
async fn read(how: How, path: PathBuf) -> std::io::Result<Read> {
    let reader = spawn(async move {
        let started = Instant::now();
        let bytes = match how {
            How::InTheTask => std::fs::read(&path)?,
            How::OnThePool => fs::read(&path).await?,
        };
        let ended = Instant::now();
        Ok(Read {
            bytes: bytes.len(),
            started,
            ended,
        })
    });
    reader
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?
}
// ANCHOR_END: read

struct Read {
    bytes: usize,
    started: Instant,
    ended: Instant,
}

/// One run: the ticker runs alone for a few periods, then the reader
/// starts; a few periods after the read, the ticker stops.
fn run(
    how: How,
    path: &Path,
    period: Duration,
    before_read: impl FnOnce(),
) -> Result<(Read, Vec<Instant>), String> {
    let runtime = Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let stop = Arc::new(AtomicBool::new(false));
        let ticks = spawn(ticker(period, Arc::clone(&stop)));
        sleep(period * 3).await;
        before_read();
        let read = read(how, path.to_owned()).await;
        sleep(period * 3).await;
        stop.store(true, Ordering::Relaxed);
        let turns = ticks.await.map_err(|e| e.to_string())?;
        let read = read.map_err(|e| e.to_string())?;
        Ok((read, turns))
    })
}

fn report(how: How, read: &Read, turns: &[Instant]) {
    let longest = turns
        .windows(2)
        .map(|pair| pair[1] - pair[0])
        .max()
        .unwrap_or_default();
    let during = turns
        .iter()
        .filter(|&&turn| read.started < turn && turn < read.ended)
        .count();
    let name = match how {
        How::InTheTask => "std::fs::read in the task",
        How::OnThePool => "fs::read, on the pool    ",
    };
    // Turns while the read was under way: none at all, when the read held
    // the thread, whatever the machine's load; a count that varies with
    // it otherwise.
    let verdict = if during == 0 {
        "no tick while it read"
    } else {
        "ticks went on while it read"
    };
    println!(
        "  {name}  read {} in {:>5.1} ms;  longest gap between ticks \
         {:>5.1} ms: {verdict}",
        size(read.bytes),
        ms(read.ended - read.started),
        ms(longest),
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} B")
    }
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["period-ms", "delay-ms", "file-mib"])?;
    let period = Duration::from_millis(args.get_or("period-ms", 10)?);
    let delay = Duration::from_millis(args.get_or("delay-ms", 200)?);
    let file_mib: usize = args.get_or("file-mib", 64)?;
    println!("{}", machine::line());
    println!(
        "a ticker wants a turn every {} ms; meanwhile a task reads a file",
        period.as_millis()
    );

    println!("a named pipe whose writer waits {} ms:", delay.as_millis());
    let fifo = Fifo::new("slow-disk").map_err(|e| e.to_string())?;
    for how in [How::InTheTask, How::OnThePool] {
        let path = fifo.path().to_owned();
        let mut writer = None;
        let (read, turns) = run(how, fifo.path(), period, || {
            writer = Some(thread::spawn(move || {
                thread::sleep(delay);
                slow_file::feed(&path, b"hello", Duration::from_secs(10))
            }));
        })?;
        if let Some(writer) = writer {
            let fed = writer.join().map_err(|_| "the writer panicked")?;
            fed.map_err(|e| e.to_string())?;
        }
        report(how, &read, &turns);
    }

    println!("a file of {file_mib} MiB, just written, so in the page cache:");
    let file = std::env::temp_dir()
        .join(format!("ch14-stall-{}.bin", std::process::id()));
    std::fs::write(&file, vec![7u8; file_mib << 20])
        .map_err(|e| e.to_string())?;
    for how in [How::InTheTask, How::OnThePool] {
        let measured = run(how, &file, period, || {});
        let (read, turns) = measured.inspect_err(|_| {
            let _ = std::fs::remove_file(&file);
        })?;
        report(how, &read, &turns);
    }
    std::fs::remove_file(&file).map_err(|e| e.to_string())?;
    Ok(())
}
