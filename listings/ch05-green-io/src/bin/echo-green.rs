//! The green echo server: one green thread per connection, all on one OS
//! thread. Usage: `echo-green [--addr 127.0.0.1:7878] [--max-fds N]`
//! (`--max-fds` lowers the descriptor limit, to see the server run out).

use std::process::ExitCode;

fn flag(name: &str) -> Option<String> {
    std::env::args().skip_while(|arg| arg != name).nth(1)
}

fn main() -> ExitCode {
    let addr = flag("--addr").unwrap_or_else(|| "127.0.0.1:7878".to_string());
    let max_fds = match flag("--max-fds").map(|n| n.parse::<u64>()).transpose()
    {
        Ok(max_fds) => max_fds,
        Err(_) => {
            eprintln!("usage: echo-green [--addr ADDR] [--max-fds N]");
            return ExitCode::FAILURE;
        }
    };
    match ch05_green_io::server::serve(&addr, max_fds) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-green: {e}");
            ExitCode::FAILURE
        }
    }
}
