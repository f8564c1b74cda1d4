//! The context switch alone, without a scheduler.

use ch04_green_threads::context::{Context, switch};
use ch04_green_threads::stack::Stack;

/// What the main flow and one fresh context share.
struct PingPong {
    main: Context,
    green: Context,
    /// Incremented on the green stack between switches.
    count: u64,
    /// Address of a 16-byte-aligned local, seen on the green stack.
    aligned_local: usize,
}

#[repr(align(16))]
struct Aligned([u8; 16]);

extern "C" fn bounce(arg: usize) -> ! {
    let shared = arg as *mut PingPong;
    // A local the compiler places assuming sp was aligned at our call.
    let local = std::hint::black_box(Aligned([0; 16]));
    // SAFETY: `arg` is the `PingPong` the test keeps alive and only touches
    // while we are switched out.
    unsafe { (*shared).aligned_local = &raw const local as usize };
    std::hint::black_box(local.0);
    loop {
        // SAFETY: as above; the main flow is suspended in `main`.
        unsafe {
            (*shared).count += 1;
            switch(&raw mut (*shared).green, &raw const (*shared).main);
        }
    }
}

#[test]
fn switching_into_a_fresh_stack_and_back() {
    let stack = Stack::new(16 * 1024).unwrap();
    let mut shared = PingPong {
        main: Context::empty(),
        green: Context::empty(),
        count: 0,
        aligned_local: 1,
    };
    let arg = &raw mut shared as usize;
    // SAFETY: the stack outlives every switch into it below.
    shared.green = unsafe { Context::new(stack.top(), bounce, arg) };
    // Values in callee-saved registers across the switches must survive:
    // the compiler is free to keep `checksum` and `x` in them.
    let mut checksum = 0u64;
    let mut x = 1.5f64;
    for round in 1..=100 {
        // SAFETY: `green` was made by `Context::new` or saved by `switch` on
        // a stack that is still mapped; `main` is ours to overwrite.
        unsafe { switch(&raw mut shared.main, &raw const shared.green) };
        assert_eq!(shared.count, round);
        checksum = checksum.wrapping_mul(31).wrapping_add(round);
        x = x * 1.5 - 0.25;
    }
    assert_eq!(
        checksum,
        (1..=100u64).fold(0u64, |c, r| c.wrapping_mul(31).wrapping_add(r))
    );
    assert_eq!(x, (0..100).fold(1.5f64, |x, _| x * 1.5 - 0.25));
    assert_eq!(shared.aligned_local % 16, 0, "stack misaligned on entry");
    let guard = stack.guard();
    assert!(
        shared.aligned_local > guard.end
            && shared.aligned_local < stack.top() as usize
    );
}

#[test]
fn stack_sizes_are_rounded_up_to_pages() {
    let page = ch04_green_threads::stack::page_size();
    let stack = Stack::new(page + 1).unwrap();
    assert_eq!(stack.usable_size(), 2 * page);
    assert_eq!(stack.guard().len(), page);
    assert_eq!(stack.top() as usize, stack.guard().end + 2 * page);
}
