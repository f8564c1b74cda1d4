//! What a `JoinHandle` gives back: a task's output, its panic, or its
//! cancellation; and the executor carries on after a task panics. A
//! one-line panic hook keeps the output the same whatever `RUST_BACKTRACE`
//! says. Usage: `tasks`.

use std::future::pending;

use ch11_executor::{Runtime, spawn, yield_now};

fn main() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("(not a string)");
        eprintln!("panic hook: a task panicked: {message}");
    }));
    // ANCHOR: main
    let runtime = Runtime::new();
    runtime.block_on(async {
        let fine = spawn(async {
            yield_now().await;
            "fine"
        });
        let panics = spawn(async {
            yield_now().await;
            panic!("boom")
        });
        let stuck = spawn(pending::<&str>());
        yield_now().await;
        stuck.abort();
        for (name, task) in
            [("fine", fine), ("panics", panics), ("stuck", stuck)]
        {
            match task.await {
                Ok(output) => println!("{name:<7} Ok({output:?})"),
                Err(error) => println!("{name:<7} Err: {error}"),
            }
        }
    });
    // ANCHOR_END: main
    let metrics = runtime.metrics();
    println!(
        "spawned {}, task polls {}, main polls {}, parks {}",
        metrics.spawned, metrics.polls, metrics.main_polls, metrics.parks
    );
}
