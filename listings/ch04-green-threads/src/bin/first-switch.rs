//! Before any scheduler: switch from `main` into a fresh stack and back.

use ch04_green_threads::context::{Context, switch};
use ch04_green_threads::stack::Stack;

// ANCHOR: flows
/// The two flows of this program: `main` on the OS thread's stack, and
/// `hello` on a stack we mapped.
struct Flows {
    main: Context,
    green: Context,
    /// The mapped stack's address range, to check where `hello` runs.
    green_stack: std::ops::Range<usize>,
}
// ANCHOR_END: flows

// ANCHOR: hello
extern "C" fn hello(flows: usize) -> ! {
    let flows = flows as *mut Flows;
    let local = 0u8;
    // SAFETY: `main` keeps `Flows` alive and is suspended while we run.
    let on_green_stack =
        unsafe { (*flows).green_stack.contains(&(&raw const local as usize)) };
    println!(
        "green: hello; my locals live on the mapped stack: {on_green_stack}"
    );
    // SAFETY: `main` saved itself into `(*flows).main` when it switched here.
    unsafe { switch(&raw mut (*flows).green, &raw const (*flows).main) };
    println!("green: resumed exactly where I left off");
    // SAFETY: as above.
    unsafe { switch(&raw mut (*flows).green, &raw const (*flows).main) };
    unreachable!("main never switches here a third time");
}
// ANCHOR_END: hello

// ANCHOR: main
fn main() {
    let stack = Stack::new(64 * 1024).expect("mmap failed");
    let mut flows = Flows {
        main: Context::empty(),
        green: Context::empty(),
        green_stack: stack.guard().end..stack.top() as usize,
    };
    let arg = &raw mut flows as usize;
    // SAFETY: `stack` stays mapped for good (see the end of `main`); its top
    // is page-aligned.
    flows.green = unsafe { Context::new(stack.top(), hello, arg) };

    println!(
        "main: switching to a fresh {} KiB stack",
        stack.usable_size() / 1024
    );
    // SAFETY: `green` holds a context made by `Context::new` on `stack`.
    unsafe { switch(&raw mut flows.main, &raw const flows.green) };
    println!("main: back on my own stack");
    // SAFETY: `green` now holds the context `hello` saved on `stack`.
    unsafe { switch(&raw mut flows.main, &raw const flows.green) };
    println!(
        "main: back again; `hello` stays suspended, so its stack stays mapped"
    );
    // `hello` never finishes. Until a frame ends, anything it lent out may
    // still be in use, so a stack with a suspended frame is leaked, never
    // unmapped.
    std::mem::forget(stack);
}
// ANCHOR_END: main
