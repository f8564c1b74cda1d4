//! Predict the output: three tasks that yield different numbers of times,
//! on an executor whose run queue is first in, first out.

use ch11_executor::{block_on, spawn, yield_now};

fn main() {
    block_on(async {
        let mut tasks = Vec::new();
        for (name, yields) in [("a", 2), ("b", 0), ("c", 1)] {
            tasks.push(spawn(async move {
                for _ in 0..yields {
                    yield_now().await;
                }
                println!("{name} done");
                name
            }));
        }
        println!("spawned");
        for task in tasks {
            let name = task.await.expect("no task panics");
            println!("joined {name}");
        }
    });
}
