//! The echo server with a fixed pool of threads (4 unless `--workers` says).
//!
//! `echo-pool [--addr 127.0.0.1:7878] [--workers 4] [--max-fds N]`

use std::process::ExitCode;

fn main() -> ExitCode {
    ch03_thread_per_connection::launch::main(std::env::args().skip(1), Some(4))
}
