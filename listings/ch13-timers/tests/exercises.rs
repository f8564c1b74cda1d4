//! The exercises' solutions at work.

use std::thread;
use std::time::{Duration, Instant};

use ch13_timers::exercises::deadline::timeout_at;
use ch13_timers::exercises::debounce::debounce;
use ch13_timers::exercises::rate_limit::RateLimiter;
use ch13_timers::time::{self, Elapsed};
use ch13_timers::{Runtime, channel};

const MS: Duration = Duration::from_millis(1);

#[test]
fn debounce_returns_the_last_of_each_burst() {
    let runtime = Runtime::new().unwrap();
    let (tx, mut rx) = channel::channel();
    let sender = thread::spawn(move || {
        for burst in [[1, 2, 3], [4, 5, 6]] {
            for value in burst {
                tx.send(value).unwrap();
                thread::sleep(5 * MS);
            }
            thread::sleep(300 * MS);
        }
    });
    let (first, second, closed) = runtime.block_on(async move {
        let start = Instant::now();
        let first = debounce(&mut rx, 100 * MS).await;
        // Quiet for 100 ms after the last value, at 10 ms: not before 110.
        assert!(start.elapsed() >= 110 * MS);
        let second = debounce(&mut rx, 100 * MS).await;
        (first, second, debounce(&mut rx, 100 * MS).await)
    });
    sender.join().unwrap();
    assert_eq!((first, second, closed), (Some(3), Some(6), None));
}

#[test]
fn one_deadline_for_several_steps() {
    let runtime = Runtime::new().unwrap();
    runtime.block_on(async {
        let start = Instant::now();
        let deadline = start + 100 * MS;
        let step = || time::sleep(40 * MS);
        assert_eq!(timeout_at(deadline, step()).await, Ok(()));
        assert_eq!(timeout_at(deadline, step()).await, Ok(()));
        // 80 ms gone: the third step has 20 ms, not 100.
        let third = timeout_at(deadline, step()).await;
        assert!(matches!(third, Err(Elapsed { .. })));
        assert!(start.elapsed() >= 100 * MS, "fired before the deadline");
        // A third step with 100 ms of its own would have ended at 180 ms.
        assert!(start.elapsed() < 170 * MS, "{:?}", start.elapsed());
    });
}

#[test]
fn the_rate_limiter_paces_and_saves_up_a_burst() {
    let runtime = Runtime::new().unwrap();
    runtime.block_on(async {
        let period = 20 * MS;
        let mut limiter = RateLimiter::new(period, 3);
        let start = Instant::now();
        for _ in 0..6 {
            limiter.acquire().await;
        }
        // The first permit at once, then one per period.
        assert!(start.elapsed() >= 5 * period);
        // Idle for long enough to save up more than the burst...
        time::sleep(10 * period).await;
        // ...but only three permits go at once; the fourth waits a period.
        let start = Instant::now();
        for _ in 0..3 {
            limiter.acquire().await;
        }
        assert!(start.elapsed() < period / 2, "{:?}", start.elapsed());
        limiter.acquire().await;
        assert!(start.elapsed() >= period / 2);
    });
}
