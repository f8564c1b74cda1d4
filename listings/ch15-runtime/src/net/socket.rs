//! The socket system calls the reactor's sockets make, each counted
//! (`crate::count`) and none waiting: every descriptor here is
//! non-blocking from the moment it exists. This file knows nothing of
//! tasks or readiness; `EAGAIN` is just an error to it. Linux only
//! (`accept4`, `SOCK_NONBLOCK`); the rest of the crate type-checks on
//! macOS too.

use std::io::{self, Read, Write};
use std::mem;
use std::net::{
    Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, TcpListener,
    TcpStream,
};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::count::{self, Syscall};
use crate::sys::cvt;

// ANCHOR: read_write
/// One `read` (a `recv`, through std), counted.
pub fn read(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    count::add(Syscall::Read);
    (&*stream).read(buf)
}

/// One `write` (std's `send` with `MSG_NOSIGNAL` on Linux: a write to a
/// closed connection is an `EPIPE` for this socket, not a `SIGPIPE` for
/// the process), counted.
pub fn write(stream: &TcpStream, buf: &[u8]) -> io::Result<usize> {
    count::add(Syscall::Write);
    (&*stream).write(buf)
}
// ANCHOR_END: read_write

// ANCHOR: accept
/// Accepts a connection, born non-blocking and close-on-exec in one
/// `accept4`, where std's `accept` would need a second system call to set
/// `O_NONBLOCK`.
pub fn accept(listener: &TcpListener) -> io::Result<(TcpStream, SocketAddr)> {
    // SAFETY: all zeroes is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut len = mem::size_of_val(&storage) as libc::socklen_t;
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    count::add(Syscall::Accept);
    // SAFETY: the kernel writes at most `len` bytes of address into
    // `storage`, which is that large, and the new length into `len`.
    let fd = cvt(unsafe {
        libc::accept4(
            listener.as_raw_fd(),
            (&raw mut storage).cast(),
            &mut len,
            flags,
        )
    })?;
    // SAFETY: `fd` is a new descriptor that nothing else owns.
    let stream = TcpStream::from(unsafe { OwnedFd::from_raw_fd(fd) });
    Ok((stream, socket_addr(&storage)?))
}
// ANCHOR_END: accept

/// Starts connecting a new non-blocking socket to `addr`. The connection
/// is made when the socket becomes writable; `take_error` then says
/// whether it was.
pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let domain = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    let socket = stream_socket(domain)?;
    let (storage, len) = sockaddr(&addr);
    count::add(Syscall::Connect);
    // SAFETY: `storage` holds a sockaddr of `len` bytes for `domain`; the
    // kernel only reads it.
    let ret = unsafe {
        libc::connect(socket.as_raw_fd(), (&raw const storage).cast(), len)
    };
    match cvt(ret) {
        Ok(_) => {}
        // Non-blocking: the handshake goes on without us.
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    Ok(TcpStream::from(socket))
}

/// A new TCP socket, non-blocking and close-on-exec from the start.
fn stream_socket(domain: libc::c_int) -> io::Result<OwnedFd> {
    let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: no pointers; the result is checked.
    let fd = cvt(unsafe { libc::socket(domain, kind, 0) })?;
    // SAFETY: `fd` is a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A Rust socket address as the kernel wants it.
fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all zeroes is a valid sockaddr_storage, and of every
    // sockaddr type it is large and aligned enough to hold.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            // SAFETY: see above; nothing else refers to `storage`.
            let sin =
                unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_in>() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = v4.port().to_be();
            sin.sin_addr.s_addr = u32::from(*v4.ip()).to_be();
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            // SAFETY: as above.
            let sin6 = unsafe {
                &mut *(&raw mut storage).cast::<libc::sockaddr_in6>()
            };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = v6.port().to_be();
            sin6.sin6_flowinfo = v6.flowinfo();
            sin6.sin6_addr.s6_addr = v6.ip().octets();
            sin6.sin6_scope_id = v6.scope_id();
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// The address the kernel wrote, as a Rust socket address.
fn socket_addr(storage: &libc::sockaddr_storage) -> io::Result<SocketAddr> {
    match libc::c_int::from(storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let sin = unsafe {
                &*(storage as *const libc::sockaddr_storage)
                    .cast::<libc::sockaddr_in>()
            };
            let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            let port = u16::from_be(sin.sin_port);
            Ok(SocketAddrV4::new(ip, port).into())
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let sin6 = unsafe {
                &*(storage as *const libc::sockaddr_storage)
                    .cast::<libc::sockaddr_in6>()
            };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            let port = u16::from_be(sin6.sin6_port);
            let (flow, scope) = (sin6.sin6_flowinfo, sin6.sin6_scope_id);
            Ok(SocketAddrV6::new(ip, port, flow, scope).into())
        }
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not an internet address",
        )),
    }
}

/// Listens with a long accept queue. std listens with a backlog of 128; a
/// burst of a thousand connects overflows it, and each dropped connect is
/// retried a second later. The kernel caps `SOMAXCONN` at
/// `net.core.somaxconn`.
pub fn listen(listener: &TcpListener) -> io::Result<()> {
    // SAFETY: listen on a descriptor the listener owns; no pointers.
    cvt(unsafe { libc::listen(listener.as_raw_fd(), libc::SOMAXCONN) })?;
    Ok(())
}

/// An error as the trace shows it: `EAGAIN` by its name.
pub fn describe(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::WouldBlock {
        "EAGAIN".into()
    } else {
        e.to_string()
    }
}
