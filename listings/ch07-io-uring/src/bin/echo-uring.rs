//! The completion-loop echo server: one thread, io_uring, no readiness.
//! Usage: `echo-uring [--addr 127.0.0.1:7878] [--max-fds N] [--batch on]`
//! (`--max-fds` lowers the descriptor limit, to see the server run out;
//! `--batch off` makes one `io_uring_enter` per operation).

use std::process::ExitCode;

use ch07_io_uring::driver::Submit;
use ch07_io_uring::harness::args::Args;
use ch07_io_uring::uring;
use ch07_io_uring::uring_loop::{self, Config};

fn main() -> ExitCode {
    let parsed =
        Args::from_env(&["addr", "max-fds", "batch"]).and_then(|args| {
            Ok((
                args.get_or("addr", "127.0.0.1:7878".to_string())?,
                args.get::<u64>("max-fds")?,
                args.get_or("batch", "on".to_string())?,
            ))
        });
    let (addr, max_fds, submit) = match parsed {
        Ok((addr, max_fds, batch)) if batch == "on" || batch == "off" => {
            let submit = match batch.as_str() {
                "on" => Submit::Batched,
                _ => Submit::EachAtOnce,
            };
            (addr, max_fds, submit)
        }
        Ok(_) => {
            eprintln!("echo-uring: --batch is on or off");
            return ExitCode::FAILURE;
        }
        Err(usage) => {
            eprintln!("echo-uring: {usage}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(why) = uring::unavailable() {
        println!("io_uring is not available here: {why}");
        return ExitCode::SUCCESS;
    }
    let config = Config {
        submit,
        ..Config::default()
    };
    match uring_loop::serve(&addr, max_fds, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-uring: {e}");
            ExitCode::FAILURE
        }
    }
}
