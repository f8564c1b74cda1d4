//! The part of a task that every task has the same, whatever its future:
//! what wakers, queues and handles need to reach it without knowing its
//! type.

use std::ptr::NonNull;
use std::task::Waker;

use super::Ran;
use super::state::State;

// ANCHOR: header
/// The part of a task every task has the same. `repr(C)` puts it first,
/// so a pointer to the block is a pointer to its header.
#[repr(C)]
pub struct Header {
    pub state: State,
    pub vtable: &'static Vtable,
    /// The task's place in its runtime's list of live tasks.
    pub id: usize,
}

/// The functions that need the future's type, one table per type.
pub struct Vtable {
    pub run: unsafe fn(NonNull<Header>) -> Ran,
    pub schedule: unsafe fn(NonNull<Header>),
    pub read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    pub drop_handle: unsafe fn(NonNull<Header>),
    pub shut_down: unsafe fn(NonNull<Header>),
    pub dealloc: unsafe fn(NonNull<Header>),
}
// ANCHOR_END: header
