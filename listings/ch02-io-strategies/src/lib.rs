//! Chapter 2, "Strategies for handling I/O": one workload of many waiting
//! tasks, served two ways and measured.
//!
//! Every task waits for one message on its own pipe; a feeder writes the
//! messages once every task is waiting. Way A gives each task an OS thread
//! that blocks in `read`. Way B keeps every task on one thread that asks the
//! OS with `poll(2)` which pipes have data. The exercise solutions add a third
//! way (epoll) and tasks that need two messages.
//!
//! Linux only: it reads `/proc/self/status` and the epoll solution uses epoll.

pub mod harness;
pub mod latch;
pub mod message;
pub mod poll_loop;
pub mod probe;
pub mod solutions;
pub mod sys;
pub mod task;
pub mod threads;
pub mod ways;
pub mod workload;
