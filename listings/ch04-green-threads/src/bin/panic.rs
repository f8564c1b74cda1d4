//! A panic in one green thread is caught at the bottom of its stack and
//! handed to whoever joins it; the other green threads carry on.

use ch04_green_threads::{run, spawn, yield_now};

fn main() {
    // One short line per panic, whatever RUST_BACKTRACE says.
    std::panic::set_hook(Box::new(|info| eprintln!("panic hook: {info}")));
    // ANCHOR: main
    run(|| {
        let doomed = spawn(|| -> u32 {
            yield_now();
            panic!("bad input");
        });
        let healthy = spawn(|| {
            yield_now();
            yield_now();
            42
        });
        match doomed.join() {
            Ok(value) => println!("doomed returned {value}"),
            Err(payload) => {
                let message = payload.downcast_ref::<&str>().unwrap_or(&"?");
                println!("doomed panicked: {message:?}");
            }
        }
        println!(
            "healthy returned {}",
            healthy.join().expect("healthy panicked")
        );
    });
    // ANCHOR_END: main
}
