//! Timers before the reactor: tasks sleep, one helper thread wakes them in
//! deadline order, and the runtime's thread sleeps in between. Then many
//! sleeping tasks at once, still on one helper thread.
//! Usage: `sleepers [--many 10000]`.

use std::time::{Duration, Instant};

use ch11_executor::harness::args::Args;
use ch11_executor::harness::procfs;
use ch11_executor::{Runtime, sleep, spawn};

fn threads() -> Result<u64, String> {
    Ok(procfs::status("self").map_err(|e| e.to_string())?.threads)
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["many"])?;
    let many: u64 = args.get_or("many", 10_000)?;
    // ANCHOR: three
    let runtime = Runtime::new();
    let start = Instant::now();
    runtime.block_on(async move {
        let mut sleepers = Vec::new();
        for (name, ms) in [("slow", 300), ("fast", 100), ("medium", 200)] {
            sleepers.push(spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                let woke = start.elapsed().as_millis();
                println!("{name:<6} (sleeps {ms} ms) woke after {woke} ms");
            }));
        }
        for sleeper in sleepers {
            sleeper.await.expect("a sleeper cannot fail");
        }
    });
    // ANCHOR_END: three
    println!("timer threads started: {}", runtime.metrics().timer_threads);
    drop(runtime); // its timer thread ends here

    let runtime = Runtime::new();
    let start = Instant::now();
    let peak = runtime.block_on(async move {
        let sleepers: Vec<_> = (0..many)
            .map(|i| spawn(sleep(Duration::from_millis(50 + i % 100))))
            .collect();
        // Every task has run once and registered its timer by now.
        sleep(Duration::from_millis(10)).await;
        let peak = threads();
        for sleeper in sleepers {
            sleeper.await.expect("a sleeper cannot fail");
        }
        peak
    })?;
    println!(
        "{many} tasks asleep at once: {peak} threads in the process \
         (main and one timer thread); all woke within {} ms",
        start.elapsed().as_millis()
    );
    Ok(())
}
