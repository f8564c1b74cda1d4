//! epoll by hand (draft lib.rs)

pub mod harness;
pub mod poll;
pub mod slab;
pub mod sys;

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
