//! Predict the output: timers and immediates, and who sets whom.

use std::time::Duration;

use ch08_callbacks::EventLoop;

fn main() -> std::io::Result<()> {
    let mut lp = EventLoop::new()?;
    lp.set_timeout(Duration::from_millis(250), |_| println!("timeout 250 ms"));
    lp.set_timeout(Duration::ZERO, |lp| {
        println!("timeout 0");
        lp.set_immediate(|_| println!("immediate from timeout"));
        lp.set_timeout(Duration::ZERO, |_| println!("timeout from timeout"));
    });
    lp.set_immediate(|lp| {
        println!("immediate");
        lp.set_immediate(|_| println!("immediate from immediate"));
    });
    let cancelled = lp.set_timeout(Duration::ZERO, |_| println!("cancelled"));
    lp.clear_timeout(cancelled);
    println!("main");
    lp.run()
}
