//! Where a request's CPU time goes: each server under wrk, sampled by
//! `perf record`, its symbols sorted into kernel and user-space buckets
//! ([`buckets`]), each bucket's share turned into microseconds per request.
//!
//! `cargo run --release -p book-bench --bin profile -- [--only
//! ours-ct,tokio-ct] [--seconds 10] [--conns 50]`
//!
//! The bench says how fast each server is; this says what the difference
//! is made of when two differ: chapter 15 shows it where our runtime and
//! tokio's part. [`perf`] runs perf and reads its report, [`buckets`]
//! sorts its symbols.

pub mod buckets;
pub mod perf;
