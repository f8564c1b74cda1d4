//! Exercise 1: an interval timer, built on one-shot timers.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::event_loop::EventLoop;
use crate::timers::TimerId;

// ANCHOR: interval
/// A repeating timer; [`Interval::cancel`] stops it. Each tick gets it
/// too, so a tick can stop its own interval.
#[derive(Clone)]
pub struct Interval {
    state: Rc<RefCell<State>>,
}

struct State {
    /// The one-shot timer of the next tick, while one is set.
    next: Option<TimerId>,
    cancelled: bool,
}

type Tick = Rc<RefCell<dyn FnMut(&mut EventLoop, &Interval)>>;

/// Calls `tick` every `period` (not zero), first one period from now. The
/// ticks keep to a fixed schedule, `k × period` after the start: each
/// deadline is the last one plus the period, never "now" plus the period,
/// so lateness does not add up. Ticks the loop was too busy for are skipped,
/// not run in a burst.
pub fn set_interval(
    lp: &mut EventLoop,
    period: Duration,
    tick: impl FnMut(&mut EventLoop, &Interval) + 'static,
) -> Interval {
    assert!(!period.is_zero(), "an interval needs a period");
    let state = Rc::new(RefCell::new(State {
        next: None,
        cancelled: false,
    }));
    let tick: Tick = Rc::new(RefCell::new(tick));
    schedule(lp, Instant::now() + period, period, &state, tick);
    Interval { state }
}

fn schedule(
    lp: &mut EventLoop,
    due: Instant,
    period: Duration,
    state: &Rc<RefCell<State>>,
    tick: Tick,
) {
    let s = Rc::clone(state);
    let id = lp.set_timeout_at(due, move |lp| {
        s.borrow_mut().next = None; // fired: its id is stale
        let me = Interval {
            state: Rc::clone(&s),
        };
        (tick.borrow_mut())(lp, &me); // may cancel the interval
        if s.borrow().cancelled {
            return;
        }
        let next = next_due(due, Instant::now(), period);
        schedule(lp, next, period, &s, tick);
    });
    state.borrow_mut().next = Some(id);
}

/// The tick after the one due at `due`, if it is `now`: one period later,
/// or as many periods later as it takes to be in the future.
pub fn next_due(due: Instant, now: Instant, period: Duration) -> Instant {
    let behind = now.saturating_duration_since(due);
    let missed = (behind.as_nanos() / period.as_nanos()) as u32;
    due + period * (missed + 1)
}

impl Interval {
    /// No tick after this one (also from inside a tick).
    pub fn cancel(&self, lp: &mut EventLoop) {
        let mut state = self.state.borrow_mut();
        state.cancelled = true;
        if let Some(next) = state.next.take() {
            lp.clear_timeout(next);
        }
    }
}
// ANCHOR_END: interval
