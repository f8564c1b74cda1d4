//! The echo server with one thread per connection.
//!
//! `echo-threads [--addr 127.0.0.1:7878] [--max-fds N] [--max-new-threads N]
//! [--max-connections N]`

use std::process::ExitCode;

fn main() -> ExitCode {
    ch03_thread_per_connection::launch::main(std::env::args().skip(1), None)
}
