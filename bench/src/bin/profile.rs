//! `cargo run --release -p book-bench --bin profile -- [--only
//! ours-ct,tokio-ct] [--seconds 10] [--conns 50]`: where each server's CPU
//! time per request goes, kernel and user space, from `perf record` under
//! wrk (see `book_bench::profile`). Progress goes to standard error; a run
//! with the defaults also writes `bench/results/profile.txt` and,
//! the side-by-side table alone, `profile-summary.txt`.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use book_bench::limits::raise_descriptor_limit;
use book_bench::profile::{self, Options, USAGE, perf};
use book_bench::{child, wrk};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        // The servers run in copies of this program.
        Some("--serve") => child::serve(&args).map_err(|e| e.to_string()),
        Some("--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => match Options::parse(&args) {
            Ok(options) => run(&options),
            Err(e) => {
                eprintln!("profile: {e}\n{USAGE}");
                return ExitCode::FAILURE;
            }
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("profile: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let wrk = wrk::find().ok_or(wrk::INSTALL)?;
    let perf = perf::find().ok_or(perf::INSTALL)?;
    raise_descriptor_limit().map_err(|e| e.to_string())?;
    let outcome = profile::run(options, &wrk, &perf)?;
    print!("{}", outcome.text);
    io::stdout().flush().map_err(|e| e.to_string())?;
    if !outcome.complete {
        return Err("a server's profile failed (see the report)".into());
    }
    if options.is_default() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (name, text) in [
            ("profile.txt", &outcome.text),
            ("profile-summary.txt", &outcome.summary),
        ] {
            let file = dir.join(name);
            std::fs::write(&file, text)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            eprintln!("profile: wrote {}", file.display());
        }
    } else {
        eprintln!("profile: results not written (not the default run)");
    }
    Ok(())
}
