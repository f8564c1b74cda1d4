//! A global allocator that counts, so that "this allocates nothing" is a
//! measurement and not a claim. A binary installs it with
//!
//! ```text
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator;
//! ```
//!
//! and asks [`count_allocations`] how many allocations a closure made on
//! the current thread. The count is per thread, so other threads (a test
//! harness's, say) do not disturb it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Allocations this thread asked for. A `const` `Cell` of an integer
    /// needs no allocation and no destructor of its own.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with` never panics inside the allocator, even while the thread
    // is being torn down.
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
}

// ANCHOR: allocator
/// The system allocator, counting every request for memory (`alloc`,
/// `alloc_zeroed`, `realloc`) on the thread that makes it.
pub struct CountingAllocator;

// SAFETY: every method hands the request to `System` unchanged and returns
// what it returns; counting only bumps a thread-local integer, which
// allocates nothing and so cannot recurse into the allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: our caller keeps `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: our caller keeps `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        count_one();
        // SAFETY: our caller keeps `GlobalAlloc::realloc`'s contract, and
        // `ptr` came from this allocator, that is, from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is, from `System`,
        // with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `f` and returns its result with the number of allocations it made
/// on this thread (always 0 unless [`CountingAllocator`] is installed).
pub fn count_allocations<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = f();
    let after = ALLOCATIONS.with(Cell::get);
    (result, after - before)
}
// ANCHOR_END: allocator
