//! Runs the workload one way and measures it.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::latch::Latch;
use crate::ways::Way;
use crate::{message, probe, sys};

/// What one way cost.
#[derive(Debug)]
pub struct Report {
    pub way: Way,
    pub tasks: usize,
    /// Threads the process had more while every task waited than before.
    pub waiting_threads: u64,
    /// From the start until every task waited.
    pub until_waiting: Duration,
    /// From the first message written until every task had its message.
    pub delivery: Duration,
    /// Growth of resident memory from the start until every task waited.
    pub resident_growth_kib: u64,
    /// Times a thread went to sleep, from the start until the end.
    pub voluntary_switches: u64,
    /// CPU time the process used, from the start until the end.
    pub cpu: Duration,
    /// Tasks that received their own message.
    pub delivered: usize,
}

// ANCHOR: run
/// Creates one pipe per task, lets `way` wait on all of them, writes every
/// message once all tasks wait (pausing `pause` between two messages), and
/// measures each phase.
pub fn run(way: Way, tasks: usize, pause: Duration) -> io::Result<Report> {
    let (readers, writers): (Vec<OwnedFd>, Vec<OwnedFd>) = (0..tasks)
        .map(|_| sys::pipe().map(|pipe| (pipe.reader, pipe.writer)))
        .collect::<io::Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let latch = Arc::new(Latch::new(tasks));

    let start = probe::snapshot()?;
    let waiters = way.start(readers, &latch)?;
    latch.wait();
    let waiting = probe::snapshot()?;
    feed(writers, pause);
    let results = waiters.join();
    let end = probe::snapshot()?;

    let delivered = results
        .iter()
        .enumerate()
        .filter(
            |(task, result)| matches!(result, Ok(got) if *got == *task as u64),
        )
        .count();
    Ok(Report {
        way,
        tasks,
        waiting_threads: waiting.threads.saturating_sub(start.threads),
        until_waiting: waiting.at - start.at,
        delivery: end.at - waiting.at,
        resident_growth_kib: waiting
            .resident_kib
            .saturating_sub(start.resident_kib),
        voluntary_switches: end.voluntary_switches - start.voluntary_switches,
        cpu: end.cpu.saturating_sub(start.cpu),
        delivered,
    })
}
// ANCHOR_END: run

/// Writes each task its message and closes that pipe's write end, so a task
/// whose message could not be written sees end-of-file instead of hanging.
pub fn feed(writers: Vec<OwnedFd>, pause: Duration) {
    for (task, writer) in writers.into_iter().enumerate() {
        if !pause.is_zero() {
            thread::sleep(pause);
        }
        // A failed write shows up as that task's error; keep feeding the rest.
        let _ = File::from(writer).write_all(&message::encode(task as u64));
    }
}
