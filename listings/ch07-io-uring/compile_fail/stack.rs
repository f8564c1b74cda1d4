use std::os::fd::RawFd;

use ch07_io_uring::driver::Driver;
use ch07_io_uring::poll::Token;

/// Starts a recv into a buffer on this function's stack, and returns.
fn start_recv(driver: &mut Driver<&'static mut [u8]>, fd: RawFd) {
    let mut on_the_stack = [0u8; 512];
    let _ = driver.recv(Token(1), fd, &mut on_the_stack);
}

fn main() {}
