//! Exercise 3: a UDP socket on the reactor, as tokio's `UdpSocket`.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::task::{Context, Poll};

use crate::io::PollEvented;
use crate::reactor::Direction;

// ANCHOR: udp
/// A UDP socket, registered with the reactor like a TCP stream.
pub struct UdpSocket {
    io: PollEvented<std::net::UdpSocket>,
}

impl UdpSocket {
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let socket = std::net::UdpSocket::bind(addr)?;
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: PollEvented::new(socket)?,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sends one datagram to `target`.
    pub async fn send_to(
        &self,
        buf: &[u8],
        target: SocketAddr,
    ) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_send_to(cx, buf, target)).await
    }

    /// Receives one datagram; returns its size and sender. A datagram
    /// larger than `buf` is cut to fit, the rest lost (as `recv_from`).
    pub async fn recv_from(
        &self,
        buf: &mut [u8],
    ) -> io::Result<(usize, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_recv_from(cx, buf)).await
    }

    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        let socket = self.io.get_ref();
        self.io
            .registration()
            .poll_io(cx, Direction::Write, || socket.send_to(buf, target))
    }

    /// `poll_io`, not `poll_stream_io`: a datagram smaller than `buf` says
    /// nothing about whether another one is queued behind it.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        let socket = self.io.get_ref();
        self.io
            .registration()
            .poll_io(cx, Direction::Read, || socket.recv_from(buf))
    }
}
// ANCHOR_END: udp
