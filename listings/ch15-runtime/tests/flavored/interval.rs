//! `interval` and its three policies for missed ticks: the task blocks
//! its runtime for 3.5 periods right after the first tick, and each policy
//! picks the ticks that follow in its own way.

use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::time::{self, MissedTickBehavior};

const PERIOD: Duration = Duration::from_millis(100);

/// The times the first five ticks were due, as `interval.tick()` returned
/// them, and the time each was taken.
fn ticks(behavior: MissedTickBehavior) -> (Instant, Vec<(Instant, Instant)>) {
    let runtime = super::runtime().unwrap();
    runtime.block_on(async move {
        let start = Instant::now();
        let mut interval = time::interval_at(start, PERIOD);
        interval.set_missed_tick_behavior(behavior);
        let mut ticks = Vec::new();
        for n in 0..5 {
            let due = interval.tick().await;
            ticks.push((due, Instant::now()));
            if n == 0 {
                // Blocks the whole runtime (on purpose, as a slow task
                // would): the ticks at 1, 2 and 3 periods are missed.
                thread::sleep(PERIOD * 7 / 2);
            }
        }
        (start, ticks)
    })
}

/// When each tick was due, counted from the start.
fn due(start: Instant, ticks: &[(Instant, Instant)]) -> Vec<Duration> {
    ticks.iter().map(|(due, _)| *due - start).collect()
}

/// `n` periods.
fn p(n: u32) -> Duration {
    PERIOD * n
}

// ANCHOR: burst
#[test]
fn burst_fires_every_missed_tick_at_once() {
    let (start, ticks) = ticks(MissedTickBehavior::Burst);
    assert_eq!(due(start, &ticks), [p(0), p(1), p(2), p(3), p(4)]);
    // The three missed ticks came one after the other, without waiting.
    let burst = ticks[3].1 - ticks[1].1;
    assert!(burst < PERIOD / 2, "the missed ticks waited: {burst:?}");
}
// ANCHOR_END: burst

// ANCHOR: skip
#[test]
fn skip_drops_the_missed_ticks_and_keeps_the_schedule() {
    let (start, ticks) = ticks(MissedTickBehavior::Skip);
    // The late tick at 1, then 4 and 5: 2 and 3 are gone.
    assert_eq!(due(start, &ticks), [p(0), p(1), p(4), p(5), p(6)]);
}
// ANCHOR_END: skip

// ANCHOR: delay
#[test]
fn delay_starts_the_schedule_again_from_the_late_tick() {
    let (start, ticks) = ticks(MissedTickBehavior::Delay);
    let due = due(start, &ticks);
    assert_eq!(due[..2], [p(0), p(1)]);
    // A period after the late tick was taken (3.5 periods in, or later)...
    assert!(due[2] >= p(9) / 2, "{due:?}");
    // ...and from there, a period apart: the schedule has moved.
    for pair in ticks[2..].windows(2) {
        assert_eq!(pair[1].0 - pair[0].0, PERIOD);
    }
}
// ANCHOR_END: delay

#[test]
fn skip_is_the_default_and_the_first_tick_is_immediate() {
    let runtime = super::runtime().unwrap();
    runtime.block_on(async {
        let mut interval = time::interval(PERIOD);
        assert_eq!(interval.missed_tick_behavior(), MissedTickBehavior::Skip);
        let start = Instant::now();
        interval.tick().await;
        assert!(start.elapsed() < PERIOD / 2);
        interval.tick().await;
        assert!(start.elapsed() >= PERIOD);
    });
}
