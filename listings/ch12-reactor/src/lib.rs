//! A reactor: chapter 11's executor, chapter 6's poller, and what joins
//! them, so that tasks can wait for sockets.
//!
//! The layers, bottom up; no module imports one above it:
//!
//! - OS wrappers, which know no tasks: [`poll`] (chapter 6's poller, its
//!   eventfd now edge-triggered and its calls counted by [`count`]),
//!   [`sys`], and the socket calls in [`net`]'s `socket` module;
//! - data rooms: the [`reactor`]'s registration table, readiness words and
//!   waker cells; chapter 11's [`task`]s, run queues and timers ([`time`]);
//! - the waiting room: [`io::registration`], "register interest, park,
//!   resume" for any socket;
//! - on top: [`net`]'s `TcpListener` and `TcpStream`, the [`io`] traits,
//!   and the echo server ([`echo`]);
//! - the scheduler that drives it all: [`runtime`], which turns the
//!   reactor between rounds and sleeps in it when nothing can run.
//!
//! The names are tokio's, so that code written for tokio compiles here
//! with `use ch12_reactor as tokio;`:
//!
//! ```
//! use ch12_reactor::io::{AsyncReadExt, AsyncWriteExt};
//! use ch12_reactor::net::{TcpListener, TcpStream};
//!
//! ch12_reactor::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let server = ch12_reactor::spawn(async move {
//!         let (mut socket, _) = listener.accept().await?;
//!         let mut buf = [0; 5];
//!         socket.read_exact(&mut buf).await?;
//!         socket.write_all(&buf).await
//!     });
//!     let mut client = TcpStream::connect(addr).await?;
//!     client.write_all(b"hello").await?;
//!     let mut echo = [0; 5];
//!     client.read_exact(&mut echo).await?;
//!     assert_eq!(&echo, b"hello");
//!     server.await.unwrap()
//! })
//! .unwrap();
//! ```
//!
//! The measuring harness ([`harness`]) is the same in every chapter's
//! listing. Chapter 6's readiness loop ([`event_loop`] with [`conn`],
//! [`slab`], [`accept`], [`launch`]) and its child-process helper
//! ([`process`]) are copied unchanged, for the comparison in [`compare`].

#[cfg(target_os = "linux")]
pub mod background;
#[cfg(target_os = "linux")]
pub mod bench;
pub mod channel;
#[cfg(target_os = "linux")]
pub mod compare;
pub mod count;
#[cfg(target_os = "linux")]
pub mod echo;
#[cfg(target_os = "linux")]
pub mod exercises;
pub mod harness;
#[doc(hidden)]
pub mod inject;
pub mod io;
#[cfg(target_os = "linux")]
pub mod net;
pub mod oneshot;
#[doc(hidden)]
pub mod owned;
pub mod poll;
pub mod reactor;
pub mod runtime;
#[doc(hidden)]
pub mod sync;
pub mod sys;
pub mod task;
pub mod time;
pub mod trace;
pub mod yield_now;

// Chapter 6's readiness loop and what it uses, copied unchanged; its
// modules name each other by these paths, so they sit at the crate root.
#[cfg(target_os = "linux")]
pub mod accept;
#[cfg(target_os = "linux")]
pub mod client;
#[cfg(target_os = "linux")]
pub mod conn;
#[cfg(target_os = "linux")]
pub mod event_loop;
#[cfg(target_os = "linux")]
pub mod launch;
#[cfg(target_os = "linux")]
pub mod process;
#[cfg(target_os = "linux")]
pub mod slab;

pub use runtime::{Builder, Metrics, Runtime, block_on, spawn};
pub use task::{JoinError, JoinHandle};
pub use time::sleep;
pub use yield_now::yield_now;
