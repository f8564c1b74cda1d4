//! The context switch for x86_64, System V ABI (Linux, macOS, the BSDs).
//!
//! Registers the ABI calls callee-saved, which a function must give back as
//! it found them: rbx, rbp, r12–r15, rsp, the control bits of MXCSR and the
//! x87 control word. `switch` is a function call like any other to the
//! compiler, so it must preserve exactly those; every other register the
//! compiler already assumes a call clobbers.

use super::{Context, Entry};
use std::arch::naked_asm;

// ANCHOR: frame
/// What `switch` leaves on a suspended stack, lowest address first. The
/// saved stack pointer points at `mxcsr`.
#[repr(C)]
struct SwitchFrame {
    /// SSE control and status; its control bits are callee-saved.
    mxcsr: u32,
    /// x87 FPU control word (precision and rounding); callee-saved.
    x87_control: u16,
    _padding: u16,
    r15: u64,
    r14: u64,
    r13: u64,
    r12: u64,
    rbx: u64,
    rbp: u64,
    /// Where `ret` continues: after the `call` of the suspended `switch`,
    /// or the trampoline for a fresh stack.
    return_address: u64,
}
// ANCHOR_END: frame

// `switch` pushes exactly this much, and it keeps the stack 16-byte aligned.
const _: () = assert!(size_of::<SwitchFrame>() == 64);

// ANCHOR: switch
#[unsafe(naked)]
pub(super) unsafe extern "C" fn switch(from: *mut Context, to: *const Context) {
    // rdi = from, rsi = to. On entry rsp ≡ 8 (mod 16): the call pushed the
    // return address onto a 16-byte-aligned stack.
    naked_asm!(
        // Push callee-saved registers onto the current stack...
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        // ...and the two floating-point control registers (8 bytes, which
        // also brings rsp back to a multiple of 16).
        "sub rsp, 8",
        "stmxcsr [rsp]",
        "fnstcw [rsp + 4]",
        // Save this stack, adopt the other one.
        "mov [rdi], rsp",
        "mov rsp, [rsi]",
        // Pop what the other flow pushed, in reverse order.
        "ldmxcsr [rsp]",
        "fldcw [rsp + 4]",
        "add rsp, 8",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        // Continue wherever that flow called `switch` (or in the trampoline).
        "ret",
    )
}
// ANCHOR_END: switch

// ANCHOR: trampoline
/// The first code a fresh stack runs, reached by `switch`'s `ret`.
/// `first_frame` left the entry function in r12 and its argument in rbx.
#[unsafe(naked)]
unsafe extern "C" fn trampoline() -> ! {
    naked_asm!(
        // Naked functions get no unwind info; give this one a record that
        // says "no caller": unwinders and debuggers stop here.
        ".cfi_startproc",
        ".cfi_undefined rip",
        // rsp ≡ 0 (mod 16) here, as the ABI wants it at a call.
        "mov rdi, rbx",
        "call r12",
        // `entry` never returns; trap if it ever does.
        "ud2",
        ".cfi_endproc",
    )
}
// ANCHOR_END: trampoline

// ANCHOR: first_frame
/// Writes a [`SwitchFrame`] below `top` whose `ret` enters the trampoline
/// with rsp 16-byte aligned, and returns the stack pointer to save.
///
/// # Safety
/// `top` is the 16-byte-aligned top of at least 96 writable bytes.
pub(super) unsafe fn first_frame(
    top: *mut u8,
    entry: Entry,
    arg: usize,
) -> *mut u8 {
    // Keep 16 zeroed bytes above the frame: after `ret` pops the return
    // address, rsp = top - 16, a multiple of 16, right for `call r12`.
    let frame_size = size_of::<SwitchFrame>();
    let stack_pointer = top.wrapping_sub(16 + frame_size);
    let frame = SwitchFrame {
        mxcsr: 0x1F80, // the ABI's initial value: all exceptions masked,
        x87_control: 0x037F, // round to nearest, double-extended precision
        _padding: 0,
        r15: 0,
        r14: 0,
        r13: 0,
        r12: entry as *const () as u64,
        rbx: arg as u64,
        rbp: 0, // ends the frame-pointer chain for debuggers
        return_address: trampoline as *const () as u64,
    };
    // SAFETY: the caller guarantees [top - 96, top) is ours and writable;
    // `stack_pointer` is 16-aligned, enough for the frame's 8-byte fields.
    unsafe {
        top.wrapping_sub(16).cast::<[u64; 2]>().write([0, 0]);
        stack_pointer.cast::<SwitchFrame>().write(frame);
    }
    stack_pointer
}
// ANCHOR_END: first_frame
