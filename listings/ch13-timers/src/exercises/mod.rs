//! The chapter's exercises, with their solutions: a debounce, one deadline
//! for several steps, and a rate limiter with a burst allowance.

pub mod deadline;
pub mod debounce;
pub mod rate_limit;
