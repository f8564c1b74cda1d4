//! Client connections for the idle-connection measurements: many of them,
//! from several loopback addresses, each closed with a reset.
//!
//! One client address can open about 28,000 connections to one server
//! port: each needs its own port from the ephemeral range (32768–60999
//! by default). 127.0.0.0/8 is all loopback on Linux, so binding each
//! socket to 127.0.0.2, 127.0.0.3, … before connecting gives as many
//! ranges again.

use std::io::{self, Read, Write};
use std::mem;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// The client addresses, in the order they are used: 127.0.0.2, .3, …
/// (127.0.0.1 is left to everything else on the machine).
pub fn source_addresses(count: u8) -> Vec<Ipv4Addr> {
    (0..count)
        .map(|i| Ipv4Addr::new(127, 0, 0, 2 + i))
        .collect()
}

/// Connects from `source` (any free port) to `server`, with `timeout` on
/// every later read and write. The socket closes with a reset, not a
/// FIN: no side keeps it in TIME_WAIT afterwards, so a run of 100,000
/// connections leaves no ports behind for the next one.
pub fn connect_from(
    source: Ipv4Addr,
    server: SocketAddr,
    timeout: Duration,
) -> io::Result<TcpStream> {
    let SocketAddr::V4(server) = server else {
        return Err(io::Error::other("an IPv4 server address was expected"));
    };
    // SAFETY: socket takes no pointers.
    let fd = unsafe {
        libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0)
    };
    if fd == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a socket we just created and own alone; the OwnedFd
    // closes it on every early return below.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    // Pick the port at connect time, when the kernel knows the server:
    // then one port may serve several servers, not only one.
    set_option(&socket, libc::IPPROTO_IP, libc::IP_BIND_ADDRESS_NO_PORT, 1)?;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    set_option(&socket, libc::SOL_SOCKET, libc::SO_LINGER, linger)?;
    // Linux bounds a blocking connect by the send timeout: a server whose
    // backlog is full (it stopped accepting) fails the connect in time
    // instead of after two minutes of SYN retries.
    let send_timeout = libc::timeval {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_usec: timeout.subsec_micros() as libc::suseconds_t,
    };
    set_option(&socket, libc::SOL_SOCKET, libc::SO_SNDTIMEO, send_timeout)?;
    let local = sockaddr(source, 0);
    // SAFETY: `local` is a valid sockaddr_in of the length passed.
    let bound = unsafe {
        libc::bind(
            socket.as_raw_fd(),
            (&raw const local).cast(),
            mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    if bound == -1 {
        return Err(io::Error::last_os_error());
    }
    let remote = sockaddr(*server.ip(), server.port());
    // SAFETY: `remote` is a valid sockaddr_in of the length passed.
    let connected = unsafe {
        libc::connect(
            socket.as_raw_fd(),
            (&raw const remote).cast(),
            mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    // (The bench installs no signal handler, so no EINTR to retry.)
    if connected == -1 {
        let e = io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            // What a connect that ran out of time returns.
            Some(libc::EINPROGRESS) => {
                io::Error::new(io::ErrorKind::TimedOut, "connect timed out")
            }
            _ => e,
        });
    }
    let stream = TcpStream::from(socket);
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Opens idle connections from the client addresses in turn, moving on to
/// the next address when one has no free port left.
pub struct Opener {
    sources: Vec<Ipv4Addr>,
    current: usize,
    timeout: Duration,
}

impl Opener {
    pub fn new(sources: Vec<Ipv4Addr>, timeout: Duration) -> Opener {
        Opener {
            sources,
            current: 0,
            timeout,
        }
    }

    /// A connection to `server` whose one-byte echo came back. Fails with
    /// `AddrNotAvailable` once every client address is out of ports.
    pub fn open_idle(&mut self, server: SocketAddr) -> io::Result<TcpStream> {
        loop {
            let Some(&source) = self.sources.get(self.current) else {
                return Err(io::Error::new(
                    io::ErrorKind::AddrNotAvailable,
                    format!(
                        "all {} client addresses are out of ports",
                        self.sources.len()
                    ),
                ));
            };
            match connect_from(source, server, self.timeout) {
                Ok(mut stream) => {
                    echo_one_byte(&mut stream)?;
                    return Ok(stream);
                }
                Err(e) if e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => {
                    self.current += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The client addresses used so far.
    pub fn used(&self) -> usize {
        (self.current + 1).min(self.sources.len())
    }
}

/// Sends one byte and waits for its echo: afterwards the server has
/// accepted the connection and its handler waits for the next read.
pub fn echo_one_byte(stream: &mut TcpStream) -> io::Result<()> {
    // A socket timeout shows up as EAGAIN; say what it means.
    let timed_out = |e: io::Error| match e.kind() {
        io::ErrorKind::WouldBlock => {
            io::Error::new(io::ErrorKind::TimedOut, "no echo in time")
        }
        io::ErrorKind::UnexpectedEof => io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ),
        _ => e,
    };
    stream.write_all(b"x").map_err(timed_out)?;
    let mut byte = [0];
    stream.read_exact(&mut byte).map_err(timed_out)?;
    if byte != *b"x" {
        return Err(io::Error::other("the echo differs"));
    }
    Ok(())
}

fn sockaddr(ip: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(ip.octets()),
        },
        sin_zero: [0; 8],
    }
}

fn set_option<T>(
    socket: &OwnedFd,
    level: libc::c_int,
    name: libc::c_int,
    value: T,
) -> io::Result<()> {
    // SAFETY: `value` is a valid T for the length passed; setsockopt only
    // reads it.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&raw const value).cast(),
            mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if result == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn connects_from_another_loopback_address() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let source = source_addresses(2)[1];
        assert_eq!(source, Ipv4Addr::new(127, 0, 0, 3));
        let timeout = Duration::from_secs(5);
        let mut client =
            connect_from(source, listener.local_addr().unwrap(), timeout)
                .unwrap();
        let (mut server, peer) = listener.accept().unwrap();
        assert_eq!(peer.ip(), source);
        server.set_read_timeout(Some(timeout)).unwrap();
        client.write_all(b"x").unwrap();
        let mut byte = [0];
        server.read_exact(&mut byte).unwrap();
        server.write_all(&byte).unwrap();
        let mut echoed = [0];
        client.read_exact(&mut echoed).unwrap();
        assert_eq!(echoed, *b"x");
        // Dropped with SO_LINGER 0: the server sees a reset, not an EOF.
        drop(client);
        let error = server.read(&mut byte).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
    }
}
