//! The green echo server: one green thread per connection, all on one OS
//! thread. Usage: `echo-green [--addr 127.0.0.1:7878]`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let addr = std::env::args()
        .skip_while(|arg| arg != "--addr")
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".to_string());
    match ch05_green_io::server::serve(&addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-green: {e}");
            ExitCode::FAILURE
        }
    }
}
