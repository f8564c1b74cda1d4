//! Predict the output: `main` spawns two green threads and joins the second
//! one first. (In this chapter, `join` yields until the result is there.)

use ch04_green_threads::{run, spawn, yield_now};

fn main() {
    run(|| {
        let ant = spawn(|| {
            for step in 1..=3 {
                println!("ant: step {step}");
                yield_now();
            }
        });
        let bee = spawn(|| println!("bee: only step"));
        println!("main: spawned both");
        bee.join().expect("bee finished");
        println!("main: joined bee");
        ant.join().expect("ant finished");
        println!("main: joined ant");
    });
}
