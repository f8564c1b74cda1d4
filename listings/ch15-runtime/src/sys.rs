//! The one place where a C-style `-1` return becomes an `io::Error`.

use std::io;

// ANCHOR: cvt
/// Turns the `-1` that a failed system call returns into the `errno` it set.
///
/// Every system call this chapter adds goes through it, so no other function
/// has to remember that `errno` must be read right away, before anything
/// else can overwrite it.
pub fn cvt<T: PartialEq + From<i8>>(ret: T) -> io::Result<T> {
    if ret == T::from(-1) {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}
// ANCHOR_END: cvt
