//! Predict the output: one worker, a task that spawns, yields, and awaits.

use ch15_runtime::runtime::Builder;
use ch15_runtime::{spawn, yield_now};

fn main() -> std::io::Result<()> {
    let runtime = Builder::new_multi_thread().worker_threads(1).build()?;
    runtime.block_on(async {
        let parent = spawn(async {
            for i in 1..=2 {
                spawn(async move { println!("task {i}") });
            }
            yield_now().await;
            println!("parent after yield");
            spawn(async { println!("task 3") }).await.unwrap();
            println!("parent done");
        });
        parent.await.unwrap();
    });
    Ok(())
}
