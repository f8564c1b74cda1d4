//! Each green thread keeps its own floating-point control register (MXCSR
//! on x86-64, FPCR on aarch64), as each OS thread does. No float arithmetic
//! runs while a non-default mode is set, so the compiler's assumption of the
//! default environment is never relied on.

use ch04_green_threads::{run, spawn, yield_now};

#[cfg(target_arch = "x86_64")]
mod control {
    /// MXCSR with rounding control set to "toward zero" (bits 13–14).
    pub const CHANGED: u64 = 0x1F80 | 0x6000;

    pub fn get() -> u64 {
        let mut value: u32 = 0;
        // SAFETY: stmxcsr only stores the register into `value`.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &raw mut value, options(nostack))
        };
        u64::from(value)
    }

    pub fn set(value: u64) {
        let value = value as u32;
        // SAFETY: loads a valid MXCSR value (reserved bits zero); callers
        // restore the default before any float arithmetic runs.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &raw const value, options(nostack))
        };
    }
}

#[cfg(target_arch = "aarch64")]
mod control {
    /// FPCR with rounding mode set to "toward zero" (bits 22–23).
    pub const CHANGED: u64 = 0b11 << 22;

    pub fn get() -> u64 {
        let value: u64;
        // SAFETY: reads FPCR, which every thread may read.
        unsafe {
            std::arch::asm!("mrs {}, fpcr", out(reg) value, options(nomem, nostack))
        };
        value
    }

    pub fn set(value: u64) {
        // SAFETY: writes a valid rounding mode; callers restore the default
        // before any float arithmetic runs.
        unsafe {
            std::arch::asm!("msr fpcr, {}", in(reg) value, options(nomem, nostack))
        };
    }
}

#[test]
fn each_green_thread_keeps_its_own_float_control_register() {
    let (changer_saw, other_saw, default) = run(|| {
        let default = control::get();
        let changer = spawn(move || {
            control::set(control::CHANGED);
            yield_now();
            let seen = control::get();
            control::set(default);
            seen
        });
        // Runs right after the changer has set its mode and yielded.
        let other = spawn(control::get);
        (changer.join().unwrap(), other.join().unwrap(), default)
    });
    assert_eq!(changer_saw, control::CHANGED, "the changer lost its mode");
    assert_eq!(other_saw, default, "the mode leaked into another thread");
}
