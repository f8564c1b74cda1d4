//! io_uring by hand.

pub mod count;
pub mod driver;
pub mod harness;
pub mod poll;
pub mod slab;
pub mod sys;
pub mod trace;
pub mod uring;

pub mod accept;
pub mod bench;
pub mod client;
pub mod compare;
pub mod conn;
pub mod crosscheck;
pub mod diagram;
pub mod event_loop;
pub mod launch;
pub mod process;
pub mod uring_conn;
pub mod uring_loop;
