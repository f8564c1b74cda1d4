//! Runs one of the chapter's callback servers on the event loop.
//! Usage: `serve [--app files|http|echo] [--addr 127.0.0.1:7878]
//! [--dir .] [--idle-ms 10000]` (`--dir` and `--idle-ms` for `files`).
//! Try `printf 'Cargo.toml\n' | nc 127.0.0.1 7878` against `files`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ch08_callbacks::harness::args::Args;
use ch08_callbacks::launch::{self, bind};
use ch08_callbacks::protocol::Config;

fn main() -> ExitCode {
    let known = ["app", "addr", "dir", "idle-ms"];
    let parsed = Args::from_env(&known).and_then(|a| {
        Ok((
            a.get_or("app", "files".to_string())?,
            a.get_or("addr", "127.0.0.1:7878".to_string())?,
            a.get_or("dir", PathBuf::from("."))?,
            a.get_or("idle-ms", 10_000u64)?,
        ))
    });
    let (app, addr, dir, idle_ms) = match parsed {
        Ok(parsed) => parsed,
        Err(usage) => {
            eprintln!("serve: {usage}");
            return ExitCode::FAILURE;
        }
    };
    let result = bind(&addr).and_then(|listener| {
        println!("{app} on {}", listener.local_addr()?);
        match app.as_str() {
            "http" => launch::serve_http(listener),
            "echo" => launch::serve_echo(listener),
            "files" => {
                let idle = Duration::from_millis(idle_ms);
                launch::serve_files(listener, Config { dir, idle })
            }
            other => Err(std::io::Error::other(format!("no app {other:?}"))),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve: {e}");
            ExitCode::FAILURE
        }
    }
}
