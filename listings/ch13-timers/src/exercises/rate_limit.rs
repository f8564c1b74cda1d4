//! Exercise 3: a rate limiter with a burst allowance: one permit per
//! `period` on average, and up to `burst` at once after a quiet spell.

use std::time::{Duration, Instant};

use crate::time;

// ANCHOR: rate_limit
/// Hands out one permit per `period`, and lets up to `burst` of them go at
/// once after a quiet spell: a token bucket, kept as one instant (the
/// "theoretical arrival time" of the generic cell rate algorithm).
pub struct RateLimiter {
    period: Duration,
    /// How far the schedule may fall behind now: `burst` periods.
    allowance: Duration,
    /// When the next permit is due on an even schedule.
    next: Instant,
}

impl RateLimiter {
    pub fn new(period: Duration, burst: u32) -> RateLimiter {
        let burst = burst.max(1);
        RateLimiter {
            period,
            allowance: period * (burst - 1),
            next: Instant::now(),
        }
    }

    /// Waits until a permit is free, and takes it.
    pub async fn acquire(&mut self) {
        let now = Instant::now();
        // Idle time is saved up, but only `burst` permits' worth.
        let earliest = now.checked_sub(self.allowance).unwrap_or(now);
        self.next = self.next.max(earliest);
        let at = self.next;
        self.next += self.period;
        if at > now {
            time::sleep_until(at).await;
        }
    }
}
// ANCHOR_END: rate_limit
