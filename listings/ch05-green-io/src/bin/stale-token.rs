//! Predict the output: `main` wakes a parked green thread, then wakes it
//! again with the same token (`park` and `wake` are in `runtime.rs`).

use std::cell::Cell;
use std::rc::Rc;

use ch05_green_io::{
    WakeToken, current_token, park, run, spawn, wake, yield_now,
};

fn main() {
    run(|| {
        let token: Rc<Cell<Option<WakeToken>>> = Rc::default();
        let its_token = Rc::clone(&token);
        let sleeper = spawn(move || {
            for nap in 1..=2 {
                its_token.set(Some(current_token()));
                println!("sleeper: parks ({nap})");
                park();
                println!("sleeper: woken ({nap})");
            }
        });
        yield_now();
        let first = token.take().expect("the sleeper has parked");
        wake(first);
        yield_now();
        wake(first);
        println!("main: woke the first token again");
        yield_now();
        println!("main: wakes the second token");
        wake(token.take().expect("the sleeper has parked again"));
        sleeper.join().expect("no panic");
        println!("main: joined");
    });
}
