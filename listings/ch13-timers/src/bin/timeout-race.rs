//! Predict the output: three races between a sleep and a timeout, and
//! what the timer wheel counted after the first two.

use std::time::Duration;

use ch13_timers::time;

fn main() {
    let ms = Duration::from_millis;
    ch13_timers::block_on(async {
        let slow = time::timeout(ms(10), time::sleep(ms(20))).await;
        let fast = time::timeout(ms(20), time::sleep(ms(10))).await;
        println!("slow: {}, fast: {}", slow.is_ok(), fast.is_ok());
        let wheel = time::stats().unwrap();
        println!(
            "fired {}, removed {}, pending {}",
            wheel.fired, wheel.removed, wheel.pending
        );
        let tie = time::timeout(ms(10), time::sleep(ms(10))).await;
        println!("tie: {}", tie.is_ok());
    });
}
