//! The measurements, one module each. Every one starts each server in a
//! child process of its own, runs the servers in interleaved rounds
//! ([`crate::stats`]), and reports progress on standard error.

pub mod capacity;
pub mod echo;
pub mod http;
pub mod idle;
pub mod tasks;

use std::time::Instant;

/// `[http 3/40, 0:42] tokio-ct, 50 connections: 215,000 req/s` lines on
/// standard error while a measurement runs.
pub struct Progress {
    section: &'static str,
    done: usize,
    total: usize,
    started: Instant,
}

impl Progress {
    pub fn new(section: &'static str, total: usize) -> Progress {
        Progress {
            section,
            done: 0,
            total,
            started: Instant::now(),
        }
    }

    /// Reports one finished run.
    pub fn step(&mut self, what: &str, outcome: &str) {
        self.done += 1;
        let secs = self.started.elapsed().as_secs();
        eprintln!(
            "[{} {}/{}, {}:{:02}] {what}: {outcome}",
            self.section,
            self.done,
            self.total,
            secs / 60,
            secs % 60
        );
    }

    /// Reports something within a run.
    pub fn note(&self, what: &str) {
        eprintln!("[{}] {what}", self.section);
    }
}

/// A row's samples, and what went wrong in the runs that gave none.
#[derive(Clone, Debug)]
pub struct Samples<S> {
    pub samples: Vec<S>,
    pub failures: Vec<String>,
}

impl<S> Default for Samples<S> {
    fn default() -> Self {
        Samples {
            samples: Vec::new(),
            failures: Vec::new(),
        }
    }
}
