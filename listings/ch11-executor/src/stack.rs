//! Stacks for green threads: memory from `mmap`, with a guard page below.
//!
//! A stack grows down. If a green thread uses more than it was given, its
//! next push lands in the guard page, which has no access rights, and the
//! kernel stops the process with `SIGSEGV` instead of letting the thread
//! scribble over whatever lies below.

use crate::valgrind;
use std::io;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many [`Stack`]s exist right now, in the whole process.
static LIVE_STACKS: AtomicUsize = AtomicUsize::new(0);

// ANCHOR: stack
/// A region of memory a green thread runs on: `[guard page | usable stack]`.
pub struct Stack {
    /// Lowest address of the mapping: the start of the guard page.
    base: *mut u8,
    /// Length of the whole mapping, guard page included.
    len: usize,
    /// What valgrind calls this stack, if we run under valgrind.
    valgrind_id: usize,
}
// ANCHOR_END: stack

/// The size of a memory page, as the kernel reports it.
pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions; `_SC_PAGESIZE` is always supported.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).expect("the page size is positive")
}

impl Stack {
    // ANCHOR: new
    /// Maps a stack with at least `size` usable bytes (rounded up to whole
    /// pages) and one inaccessible guard page below them.
    pub fn new(size: usize) -> io::Result<Stack> {
        let page = page_size();
        let usable = size.max(1).div_ceil(page) * page;
        let len = usable + page;
        // SAFETY: an anonymous private mapping at an address of the kernel's
        // choosing touches no existing memory; we check for MAP_FAILED.
        let base = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // From here on, dropping `stack` unmaps the region, also on error.
        let mut stack = Stack {
            base: base.cast(),
            len,
            valgrind_id: 0,
        };
        LIVE_STACKS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the first page lies inside the mapping we own, and nothing
        // points into it yet.
        if unsafe { libc::mprotect(base, page, libc::PROT_NONE) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let usable = stack.guard().end..stack.top() as usize;
        stack.valgrind_id =
            valgrind::register_stack(usable.start, usable.end - 1);
        Ok(stack)
    }
    // ANCHOR_END: new

    /// One past the highest usable byte: where a downward-growing stack
    /// starts. Page-aligned, so also 16-byte aligned.
    pub fn top(&self) -> *mut u8 {
        self.base.wrapping_add(self.len)
    }

    /// The inaccessible page at the bottom, as an address range.
    pub fn guard(&self) -> std::ops::Range<usize> {
        let start = self.base as usize;
        start..start + page_size()
    }

    /// Usable bytes (the mapping minus the guard page).
    pub fn usable_size(&self) -> usize {
        self.len - page_size()
    }

    /// How many stacks are mapped right now in this process.
    pub fn live() -> usize {
        LIVE_STACKS.load(Ordering::Relaxed)
    }
}

// ANCHOR: drop
impl Drop for Stack {
    fn drop(&mut self) {
        valgrind::deregister_stack(self.valgrind_id);
        // SAFETY: `base` and `len` describe exactly the mapping `new` created,
        // and the owner of a `Stack` never runs on it while dropping it.
        let result = unsafe { libc::munmap(self.base.cast(), self.len) };
        debug_assert_eq!(result, 0, "munmap of our own mapping failed");
        LIVE_STACKS.fetch_sub(1, Ordering::Relaxed);
    }
}
// ANCHOR_END: drop
