//! Saving one flow of execution and resuming another: the context switch.
//!
//! A [`Context`] is a saved stack pointer. Everything else a suspended green
//! thread needs (its callee-saved registers and where to continue) was pushed
//! onto its own stack by [`switch`] before the stack pointer was saved.

#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
use x86_64 as arch;

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(target_arch = "aarch64")]
use aarch64 as arch;

// ANCHOR: unsupported
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!(
    "green threads need a context switch for this CPU: only x86_64 and aarch64 exist"
);
// ANCHOR_END: unsupported

// ANCHOR: context
/// Where a suspended flow of execution left its registers: the stack
/// pointer after [`switch`] pushed them.
#[repr(C)]
#[derive(Debug)]
pub struct Context {
    stack_pointer: *mut u8,
}
// ANCHOR_END: context

/// The function a fresh context starts in. It runs on the new stack and
/// must never return: there is nothing to return to.
pub type Entry = extern "C" fn(arg: usize) -> !;

impl Context {
    /// A slot for [`switch`] to save the current flow into.
    pub const fn empty() -> Context {
        Context {
            stack_pointer: std::ptr::null_mut(),
        }
    }

    /// Lays out a first frame below `stack_top` so that switching to the
    /// returned context calls `entry(arg)` on that stack.
    ///
    /// # Safety
    /// `stack_top` must be the 16-byte-aligned top of writable memory that
    /// stays mapped, and is used by nothing else, for as long as the new
    /// context runs or is suspended.
    pub unsafe fn new(stack_top: *mut u8, entry: Entry, arg: usize) -> Context {
        assert_eq!(
            stack_top as usize % 16,
            0,
            "stack top must be 16-byte aligned"
        );
        // SAFETY: forwarded from our caller's contract.
        let stack_pointer = unsafe { arch::first_frame(stack_top, entry, arg) };
        Context { stack_pointer }
    }
}

// ANCHOR: switch
/// Saves the current flow into `from` and resumes the one saved in `to`.
/// Returns when some other flow switches back to `from`.
///
/// # Safety
/// `from` must be valid for a write and `to` must hold a context saved by
/// `switch` or made by [`Context::new`], whose stack is still mapped and
/// not running. Both pointers are used only before the switch happens.
pub unsafe fn switch(from: *mut Context, to: *const Context) {
    // SAFETY: forwarded from our caller's contract.
    unsafe { arch::switch(from, to) }
}
// ANCHOR_END: switch
