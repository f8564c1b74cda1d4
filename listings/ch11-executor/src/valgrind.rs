//! Telling valgrind where our stacks are.
//!
//! Valgrind watches the stack pointer. When it moves by less than two
//! megabytes, valgrind assumes a push or pop on the same stack and marks the
//! memory in between as fresh or dead; two of our stacks can lie closer
//! together than that, and a switch between them would then look like a
//! huge push. Registered stacks remove the guesswork: a stack pointer that
//! lands in another registered stack is a switch.
//!
//! Valgrind listens through a "client request": an instruction sequence
//! that does nothing on a real CPU (it rotates a register by a full 128
//! bits, then moves a register onto itself) but that valgrind's translator
//! recognises. The request code and its arguments sit in an array whose
//! address is in a fixed register; the result comes back in another.

// Request codes from valgrind's public header, valgrind.h.
const STACK_REGISTER: usize = 0x1501;
const STACK_DEREGISTER: usize = 0x1502;

/// Marks `lowest..=highest` as a stack; returns valgrind's id for it (0
/// when not running under valgrind).
pub fn register_stack(lowest: usize, highest: usize) -> usize {
    client_request(&[STACK_REGISTER, lowest, highest, 0, 0, 0])
}

/// Forgets a stack registered earlier.
pub fn deregister_stack(id: usize) {
    client_request(&[STACK_DEREGISTER, id, 0, 0, 0, 0]);
}

/// Sends a request; returns 0 on a real CPU, where nothing happens.
#[cfg(target_arch = "x86_64")]
fn client_request(request: &[usize; 6]) -> usize {
    let mut result: usize = 0;
    // SAFETY: the four rotations add up to 128 bits, leaving rdi as it was,
    // and exchanging rbx with itself changes nothing: on a CPU this only
    // sets flags. Valgrind reads `request` (alive across the block) and
    // writes the result to rdx.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") request.as_ptr(),
            inout("rdx") result,
            inout("rdi") 0usize => _,
            options(nostack),
        );
    }
    result
}

/// Sends a request; returns 0 on a real CPU, where nothing happens.
#[cfg(target_arch = "aarch64")]
fn client_request(request: &[usize; 6]) -> usize {
    let mut result: usize = 0;
    // SAFETY: the four rotations add up to 128 bits, leaving x12 as it was,
    // and or-ing x10 with itself changes nothing. Valgrind reads `request`
    // (alive across the block) and writes the result to x3.
    unsafe {
        std::arch::asm!(
            "ror x12, x12, #3",
            "ror x12, x12, #13",
            "ror x12, x12, #51",
            "ror x12, x12, #61",
            "orr x10, x10, x10",
            in("x4") request.as_ptr(),
            inout("x3") result,
            inout("x12") 0usize => _,
            options(nostack, preserves_flags),
        );
    }
    result
}
