use std::os::fd::RawFd;

use ch07_io_uring::driver::Driver;
use ch07_io_uring::poll::Token;

/// The shape of `AsyncRead::poll_read`: `buf` is lent for this call only.
fn poll_read(
    driver: &mut Driver<&'static mut [u8]>,
    fd: RawFd,
    buf: &mut [u8],
) {
    // Start a recv into `buf`, then return `Pending` and wait for a wake-up,
    // as a readiness-based read does after EAGAIN.
    let _ = driver.recv(Token(1), fd, buf);
}

fn main() {}
