//! Timers in the event loop: `sleep`, `timeout` and `interval`, driven by
//! the runtime's own thread, with the nearest deadline as the timeout of
//! `epoll_wait`. Chapter 11's helper thread is gone.
//!
//! The layers, bottom up:
//!
//! - [`queue`]: what a structure of deadlines must do ([`TimerQueue`]) and
//!   the [`Key`] that names an entry;
//! - [`wheel`] and [`heap`]: two such structures, a hierarchical timing
//!   wheel and an indexed binary heap, measured against each other by the
//!   `timer-costs` program; they know no tasks and no clock;
//! - [`driver`]: the runtime's timers, a wheel of wakers, ticks of one
//!   millisecond, and the two calls the runtime makes around each turn of
//!   the reactor;
//! - [`sleep`](mod@sleep), [`timeout`](mod@timeout),
//!   [`interval`](mod@interval): the futures tasks await.
//!
//! [`helper`] is chapter 11's timer, one helper thread per runtime, kept
//! as it was for the comparison in the `sleep-lateness` program.

pub mod driver;
pub mod heap;
pub mod helper;
pub mod interval;
pub mod queue;
pub mod sleep;
pub mod timeout;
pub mod wheel;

pub use driver::{Enter, Stats, TICK, Timer, stats};
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use queue::{Key, TimerQueue};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, Timeout, timeout};
