//! io_uring by hand: completions instead of readiness, with no io_uring
//! crate and no liburing, and who owns a buffer while the kernel works.
//!
//! The layers, bottom up; no module imports one above it:
//!
//! - The OS wrapper, which knows nothing of connections or buffers:
//!   [`uring`], the kernel's structures ([`uring::abi`], their layout
//!   checked at compile time) and the rings ([`uring::ring`]), mapped by
//!   hand and driven through `io_uring_setup`, `io_uring_enter` and
//!   `io_uring_register`, with [`sys`] and the system-call counters
//!   [`count`].
//! - The data room: [`driver`], a table of the operations in flight
//!   (chapter 6's [`slab`], whose tokens travel as `user_data`) that owns
//!   every buffer the kernel holds until its completion; [`trace`] records
//!   what it does.
//! - One connection's state machine: [`uring_conn`].
//! - The loop that drives them: [`uring_loop`], the echo server on
//!   completions, with chapter 3's accept-error policy ([`accept`]).
//!
//! Chapter 6's readiness loop is kept for the side-by-side measurement:
//! its poller ([`poll`]), state machine ([`conn`]) and loop
//! ([`event_loop`], [`launch`]), unchanged but for a counter in each
//! wrapper of a per-message system call. The measurement: [`bench`](mod@bench) (the
//! client) and [`compare`]; [`crosscheck`] sets the counters against
//! `strace -c -f`, in child processes ([`process`]). The pictures:
//! [`diagram`]. The exercises' solutions: [`exercises`]. The test client
//! of chapter 3 ([`client`]) and the measuring harness ([`harness`]) are
//! the same as there. What the borrow checker refuses: [`refused`].
//!
//! Linux only: io_uring exists nowhere else.

pub mod count;
pub mod harness;
pub mod slab;
pub mod sys;
pub mod uring;

pub mod driver;
pub mod trace;

pub mod uring_conn;
pub mod uring_loop;

pub mod accept;
pub mod conn;
pub mod event_loop;
pub mod launch;
pub mod poll;

pub mod bench;
pub mod client;
pub mod compare;
pub mod crosscheck;
pub mod diagram;
pub mod exercises;
pub mod process;
pub mod refused;
