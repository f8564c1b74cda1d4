//! An epoll registration belongs to the open file description, not to the
//! descriptor number. A duplicate (`dup`, `try_clone`, a `fork`ed child)
//! keeps the description, and with it the registration, alive after the
//! registered descriptor is closed, and epoll goes on reporting it under its
//! old token, while the number is handed to the next socket. A table keyed
//! by descriptor number would wake that socket's reader. Source tokens carry
//! a generation, so the stale event is dropped. Alone in its test binary,
//! because it counts on the kernel reusing a descriptor number.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ch05_green_io::ThreadId;
use ch05_green_io::WakeToken;
use ch05_green_io::netpoll::{Interest, NetPoll};

#[test]
fn an_event_for_an_ended_registration_wakes_nobody() {
    let mut netpoll = NetPoll::new().expect("epoll");
    let (old, mut old_peer) = UnixStream::pair().expect("socketpair");
    let old_fd = old.as_raw_fd();
    let old_source = netpoll.register(old_fd).expect("register");
    // A duplicate keeps the open file description alive...
    let duplicate = old.try_clone().expect("dup");
    // ...so closing the registered descriptor first leaves the registration
    // in epoll, and the late deregistration cannot name it any more.
    drop(old);
    assert!(netpoll.deregister(old_source, old_fd).is_err(), "EBADF");

    // The next socket gets the same number, and the same slot of the table.
    let (new, mut new_peer) = UnixStream::pair().expect("socketpair");
    assert_eq!(new.as_raw_fd(), old_fd, "the kernel reused the number");
    let new_source = netpoll.register(new.as_raw_fd()).expect("register");
    let reader = WakeToken::new(ThreadId(7), 1);
    netpoll.wait_for(new_source, Interest::Read, reader);

    // Data for the old description: epoll reports it under the old token.
    old_peer.write_all(b"stale").expect("write");
    let mut woken = Vec::new();
    let timeout = Some(Duration::from_millis(100));
    netpoll.poll(timeout, &mut woken).expect("poll");
    assert_eq!(woken, [], "the stale event must wake nobody");
    assert!(netpoll.has_waiters(), "the new socket's reader still waits");

    // Data for the new socket wakes its reader.
    new_peer.write_all(b"fresh").expect("write");
    netpoll.poll(timeout, &mut woken).expect("poll");
    assert_eq!(woken, [reader]);
    drop(duplicate);
}
