//! The context switch for aarch64, AAPCS64 (Linux, macOS, Windows on Arm).
//!
//! Registers the ABI calls callee-saved: x19–x28, the frame pointer x29,
//! sp, and the low 64 bits (d8–d15) of v8–v15. The link register x30 holds
//! our return address, so it is saved too. We also keep FPCR (rounding mode
//! and friends): the kernel keeps one per OS thread, and each green thread
//! gets its own in the same way. Everything else the compiler assumes a
//! call clobbers.

use super::{Context, Entry};
use std::arch::naked_asm;

// ANCHOR: frame
/// What `switch` leaves on a suspended stack, lowest address first. The
/// saved stack pointer points at `x19`.
#[repr(C)]
struct SwitchFrame {
    /// x19–x28, callee-saved general-purpose registers.
    x19_to_x28: [u64; 10],
    /// Frame pointer.
    x29: u64,
    /// Link register: where `ret` continues, after the `bl` of the suspended
    /// `switch`, or the trampoline for a fresh stack.
    x30: u64,
    /// d8–d15, the callee-saved halves of v8–v15.
    d8_to_d15: [u64; 8],
    /// Floating-point control: rounding mode, flush-to-zero, traps.
    fpcr: u64,
    _padding: u64,
}
// ANCHOR_END: frame

// `switch` reserves exactly this much; sp must stay a multiple of 16.
const _: () = assert!(size_of::<SwitchFrame>() == 176);

// ANCHOR: switch
#[unsafe(naked)]
pub(super) unsafe extern "C" fn switch(from: *mut Context, to: *const Context) {
    // x0 = from, x1 = to, x30 = return address. sp is always 16-byte
    // aligned on aarch64; the hardware may fault on a misaligned access.
    naked_asm!(
        "sub sp, sp, #176",
        "stp x19, x20, [sp, #0]",
        "stp x21, x22, [sp, #16]",
        "stp x23, x24, [sp, #32]",
        "stp x25, x26, [sp, #48]",
        "stp x27, x28, [sp, #64]",
        "stp x29, x30, [sp, #80]",
        "stp d8, d9, [sp, #96]",
        "stp d10, d11, [sp, #112]",
        "stp d12, d13, [sp, #128]",
        "stp d14, d15, [sp, #144]",
        "mrs x9, fpcr",
        "str x9, [sp, #160]",
        // Save this stack, adopt the other one (sp cannot be stored directly).
        "mov x9, sp",
        "str x9, [x0]",
        "ldr x9, [x1]",
        "mov sp, x9",
        // Restore what the other flow saved.
        "ldr x9, [sp, #160]",
        "msr fpcr, x9",
        "ldp d14, d15, [sp, #144]",
        "ldp d12, d13, [sp, #128]",
        "ldp d10, d11, [sp, #112]",
        "ldp d8, d9, [sp, #96]",
        "ldp x29, x30, [sp, #80]",
        "ldp x27, x28, [sp, #64]",
        "ldp x25, x26, [sp, #48]",
        "ldp x23, x24, [sp, #32]",
        "ldp x21, x22, [sp, #16]",
        "ldp x19, x20, [sp, #0]",
        "add sp, sp, #176",
        // Jump to x30: after that flow's call of `switch`, or the trampoline.
        "ret",
    )
}
// ANCHOR_END: switch

// ANCHOR: trampoline
/// The first code a fresh stack runs, reached by `switch`'s `ret`.
/// `first_frame` left the entry function in x20 and its argument in x19.
#[unsafe(naked)]
unsafe extern "C" fn trampoline() -> ! {
    naked_asm!(
        // Naked functions get no unwind info; give this one a record that
        // says "no caller": unwinders and debuggers stop here.
        ".cfi_startproc",
        ".cfi_undefined x30",
        "mov x0, x19",
        "blr x20",
        // `entry` never returns; trap if it ever does.
        "brk #1",
        ".cfi_endproc",
    )
}
// ANCHOR_END: trampoline

// ANCHOR: first_frame
/// Writes a [`SwitchFrame`] below `top` whose `ret` enters the trampoline
/// with sp 16-byte aligned, and returns the stack pointer to save.
///
/// # Safety
/// `top` is the 16-byte-aligned top of at least 192 writable bytes.
pub(super) unsafe fn first_frame(
    top: *mut u8,
    entry: Entry,
    arg: usize,
) -> *mut u8 {
    // Keep 16 zeroed bytes above the frame, so that sp = top - 16 once
    // `switch` has popped it: aligned, as the ABI wants at every call.
    let stack_pointer = top.wrapping_sub(16 + size_of::<SwitchFrame>());
    let mut x19_to_x28 = [0; 10];
    x19_to_x28[0] = arg as u64; // x19
    x19_to_x28[1] = entry as *const () as u64; // x20
    let frame = SwitchFrame {
        x19_to_x28,
        x29: 0, // ends the frame-pointer chain for debuggers
        x30: trampoline as *const () as u64,
        d8_to_d15: [0; 8],
        fpcr: 0, // the default: round to nearest, no traps
        _padding: 0,
    };
    // SAFETY: the caller guarantees [top - 192, top) is ours and writable;
    // `stack_pointer` is 16-aligned, enough for the frame's 8-byte fields.
    unsafe {
        top.wrapping_sub(16).cast::<[u64; 2]>().write([0, 0]);
        stack_pointer.cast::<SwitchFrame>().write(frame);
    }
    stack_pointer
}
// ANCHOR_END: first_frame
