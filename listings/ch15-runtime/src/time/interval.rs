//! `interval`: ticks at a fixed period, and a policy for ticks that came
//! and went while nobody was asking for them.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::sleep::{Sleep, sleep_until};

// ANCHOR: behavior
/// What an [`Interval`] does when its task comes back late, after the time
/// of the next tick has already passed: a tick was *missed*.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire every missed tick, one after the other without waiting, until
    /// the schedule is caught up: the count of ticks stays right, and the
    /// task gets a burst. tokio's default.
    Burst,
    /// Start the schedule again from now: the next tick is a period after
    /// this one was taken. Ticks stay at least a period apart; the
    /// schedule drifts by every delay.
    Delay,
    /// Drop the missed ticks and carry on with the next one of the
    /// original schedule: no burst, no drift. This runtime's default.
    #[default]
    Skip,
}
// ANCHOR_END: behavior

// ANCHOR: interval
/// Ticks now and then every `period`, like `tokio::time::interval` (whose
/// default for missed ticks is `Burst`; ours is `Skip`).
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks at `start` and then every `period`.
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "an interval's period must not be zero");
    Interval {
        sleep: sleep_until(start),
        period,
        behavior: MissedTickBehavior::default(),
    }
}

pub struct Interval {
    /// Ready at the next tick's time, its deadline.
    sleep: Sleep,
    period: Duration,
    behavior: MissedTickBehavior,
}
// ANCHOR_END: interval

impl Interval {
    /// Waits for the next tick, and returns the time it was due.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    // ANCHOR: poll_tick
    /// Ready once the next tick is due: returns when it was due, and sets
    /// the one after it.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let due = self.sleep.deadline();
        let now = Instant::now();
        let next = self.behavior.next(due, now, self.period);
        self.sleep.reset(next);
        Poll::Ready(due)
    }
    // ANCHOR_END: poll_tick

    pub fn period(&self) -> Duration {
        self.period
    }

    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.behavior
    }

    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.behavior = behavior;
    }

    /// Starts the schedule again: the next tick a period from now.
    pub fn reset(&mut self) {
        let next = Instant::now() + self.period;
        self.sleep.reset(next);
    }
}

// ANCHOR: next
impl MissedTickBehavior {
    /// The next tick's time, after the tick due at `due` was taken at
    /// `now`. A tick counts as missed only when the next one is already
    /// due: ordinary lateness (a millisecond of timer resolution, a busy
    /// round) changes nothing.
    fn next(self, due: Instant, now: Instant, period: Duration) -> Instant {
        let scheduled = due + period;
        if now < scheduled {
            return scheduled;
        }
        match self {
            MissedTickBehavior::Burst => scheduled,
            MissedTickBehavior::Delay => now + period,
            MissedTickBehavior::Skip => {
                // The first time of the original schedule after `now`.
                let late = (now - due).as_nanos();
                let period_ns = period.as_nanos();
                let ahead = period_ns - late % period_ns;
                now + Duration::from_nanos(
                    u64::try_from(ahead).unwrap_or(u64::MAX),
                )
            }
        }
    }
}
// ANCHOR_END: next

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy_sets_its_own_next_tick_after_a_stall() {
        let due = Instant::now();
        let period = Duration::from_millis(10);
        // Taken 35 ms late: the ticks at +10, +20, +30 were missed.
        let now = due + Duration::from_millis(35);
        let next =
            |behavior: MissedTickBehavior| behavior.next(due, now, period);
        assert_eq!(next(MissedTickBehavior::Burst), due + period);
        assert_eq!(next(MissedTickBehavior::Delay), now + period);
        assert_eq!(
            next(MissedTickBehavior::Skip),
            due + Duration::from_millis(40)
        );
        // Only 3 ms late: nothing was missed, whatever the policy.
        let now = due + Duration::from_millis(3);
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            assert_eq!(behavior.next(due, now, period), due + period);
        }
    }
}
