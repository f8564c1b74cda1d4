//! The readiness-loop echo server: one thread, epoll, no green threads.
//! Usage: `echo-epoll [--addr 127.0.0.1:7878] [--max-fds N]` (`--max-fds`
//! lowers the descriptor limit, to see the server run out).

use std::process::ExitCode;

use ch06_epoll::harness::args::Args;
use ch06_epoll::launch;

fn main() -> ExitCode {
    let parsed = Args::from_env(&["addr", "max-fds"]).and_then(|args| {
        Ok((
            args.get_or("addr", "127.0.0.1:7878".to_string())?,
            args.get::<u64>("max-fds")?,
        ))
    });
    let (addr, max_fds) = match parsed {
        Ok(parsed) => parsed,
        Err(usage) => {
            eprintln!("echo-epoll: {usage}");
            return ExitCode::FAILURE;
        }
    };
    match launch::serve(&addr, max_fds) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-epoll: {e}");
            ExitCode::FAILURE
        }
    }
}
