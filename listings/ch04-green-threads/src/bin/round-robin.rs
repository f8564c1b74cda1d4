//! Three green threads take turns on one OS thread; `main` collects results.

use ch04_green_threads::{run, spawn, yield_now};

// ANCHOR: main
fn main() {
    let total = run(|| {
        let workers: Vec<_> = ["ant", "bee", "cat"]
            .into_iter()
            .map(|name| {
                spawn(move || {
                    for step in 1..=3 {
                        println!("{name}: step {step}");
                        yield_now();
                    }
                    name.len()
                })
            })
            .collect();
        let mut total = 0;
        for worker in workers {
            total += worker.join().expect("worker panicked");
        }
        total
    });
    println!("all done, total = {total}");
}
// ANCHOR_END: main
