//! How much stack a future takes while it runs: nested `async fn`s, each
//! keeping 16 KiB across an `.await`, run by `block_on` on this thread;
//! then the four-level future on a thread with a small stack, in a child
//! process, so that a stack overflow ends the child and not this program.
//! Run it in a release and in a debug build and compare.
//! Usage: `stack`; the child runs as `stack --child-stack KIB`.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ch09_futures::driver::block_on;
use ch09_futures::harness::{args::Args, machine, units::grouped};
use ch09_futures::stack::{
    Placement, call_service, handle_request, query_client, read_reply, recurse,
    stack_in_use,
};

/// The small stack of the last experiment.
const SMALL_STACK_KIB: usize = 256;

fn kib(bytes: usize) -> String {
    format!("{} KiB", grouped(bytes as f64 / 1024.0, 1))
}

fn row(what: &str, size: usize, placement: Placement, stack: usize) {
    let on = match placement {
        Placement::Stack => "pinned on the stack",
        Placement::Boxed => "in a Box",
    };
    println!(
        "  {what:<9} {on:<20} future {} bytes, stack in use {}",
        grouped(size as f64, 0),
        kib(stack)
    );
}

/// Measures one future, made by `$make`, placed as `$placement`.
macro_rules! measure {
    ($what:expr, $make:expr, $placement:expr) => {{
        let size = size_of_val(&$make);
        let stack = stack_in_use(|| $make, $placement);
        row($what, size, $placement, stack);
    }};
}

// ANCHOR: child
/// In the child: runs the four-level future on a thread with a stack of
/// `kib` KiB. A stack overflow aborts this process.
fn child(kib: usize) -> ExitCode {
    let runner = thread::Builder::new()
        .stack_size(kib * 1024)
        .spawn(|| block_on(handle_request()));
    match runner.map(|thread| thread.join()) {
        Ok(Ok(_)) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
// ANCHOR_END: child

/// How the child process ended, in words.
fn run_child(kib: usize) -> io::Result<String> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--child-stack", &kib.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            child.kill()?;
            child.wait()?;
            return Ok("did not finish within 10 s: killed".to_string());
        }
        thread::sleep(Duration::from_millis(10));
    };
    let stderr = io::read_to_string(child.stderr.take().expect("piped"))?;
    Ok(if status.success() {
        "ran to completion".to_string()
    } else if status.signal() == Some(libc::SIGABRT)
        && stderr.contains("has overflowed its stack")
    {
        "overflowed the stack: the child was aborted (SIGABRT)".to_string()
    } else {
        format!("failed: {status}")
    })
}

fn main() -> ExitCode {
    let child_stack = Args::from_env(&["child-stack"])
        .and_then(|args| args.get::<usize>("child-stack"));
    match child_stack {
        Ok(Some(kib)) => return child(kib),
        Ok(None) => {}
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }

    println!("{}", machine::line());
    println!("nested async fns, 16 KiB each, run to completion by block_on:");
    measure!("1 level", read_reply(), Placement::Stack);
    measure!("2 levels", query_client(), Placement::Stack);
    measure!("3 levels", call_service(), Placement::Stack);
    measure!("4 levels", handle_request(), Placement::Stack);
    measure!("4 levels", handle_request(), Placement::Boxed);
    println!("an async fn calling itself, each call boxed:");
    for depth in [100, 1000] {
        let stack = stack_in_use(|| recurse(depth), Placement::Stack);
        println!(
            "  {depth} calls deep: stack in use {}, {} bytes per call",
            kib(stack),
            grouped(stack as f64 / f64::from(depth), 0)
        );
    }
    println!("4 levels on a thread with a {SMALL_STACK_KIB} KiB stack:");
    match run_child(SMALL_STACK_KIB) {
        Ok(outcome) => println!("  {outcome}"),
        Err(e) => {
            eprintln!("cannot run the child process: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
