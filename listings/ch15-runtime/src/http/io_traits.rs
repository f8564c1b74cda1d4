//! Stand-ins for the runtime's I/O traits, so that the driver compiles and
//! is tested before the runtime exists. They mirror the names the runtime
//! uses (tokio's): [`AsyncRead`] and [`AsyncWrite`] with `poll_` methods,
//! and the extension traits whose `read(&mut buf).await`,
//! `write_all(&buf).await` and `shutdown().await` the driver calls. When
//! the runtime's traits land, the driver's `use` line points at them and
//! this file goes.
//!
//! Exactly what the driver needs of a connection and of a listener:
//!
//! - `poll_read`: read into `buf`; `Ok(0)` is the end of input;
//! - `poll_write`: write a prefix of `buf`, returning its length;
//! - `poll_shutdown`: shut down the writing half (`shutdown(fd,
//!   SHUT_WR)`, as tokio's `TcpStream` does), so the client reads the end
//!   of our output while we can still read its input;
//! - `poll_accept`: the next connection from a listening socket.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads bytes asynchronously.
pub trait AsyncRead {
    /// Reads into `buf`: `Ready(Ok(n))` with `n > 0` bytes, `Ready(Ok(0))`
    /// at the end of input, or `Pending` after arranging for `cx`'s waker
    /// to be woken when a read may succeed.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>;
}

/// Writes bytes asynchronously.
pub trait AsyncWrite {
    /// Writes a prefix of `buf`, returning how many bytes it took.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;

    /// Shuts down the writing half: the peer reads the end of input.
    fn poll_shutdown(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>>;
}

/// Accepts connections asynchronously.
pub trait Listener {
    type Stream;

    /// The next connection, or `Pending` until one arrives.
    fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Self::Stream>>;
}

/// `read(&mut buf).await`.
pub trait AsyncReadExt: AsyncRead {
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadFuture<'a, Self>
    where
        Self: Unpin,
    {
        ReadFuture { stream: self, buf }
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// `write_all(&buf).await` and `shutdown().await`.
pub trait AsyncWriteExt: AsyncWrite {
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        WriteAll { stream: self, buf }
    }

    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        Shutdown { stream: self }
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}

/// The future of [`AsyncReadExt::read`].
pub struct ReadFuture<'a, R: ?Sized> {
    stream: &'a mut R,
    buf: &'a mut [u8],
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadFuture<'_, R> {
    type Output = io::Result<usize>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        let this = &mut *self;
        Pin::new(&mut *this.stream).poll_read(cx, this.buf)
    }
}

/// The future of [`AsyncWriteExt::write_all`].
pub struct WriteAll<'a, W: ?Sized> {
    stream: &'a mut W,
    buf: &'a [u8],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        let this = &mut *self;
        while !this.buf.is_empty() {
            let n = match Pin::new(&mut *this.stream).poll_write(cx, this.buf) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            this.buf = &this.buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}

/// The future of [`AsyncWriteExt::shutdown`].
pub struct Shutdown<'a, W: ?Sized> {
    stream: &'a mut W,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Shutdown<'_, W> {
    type Output = io::Result<()>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        Pin::new(&mut *self.stream).poll_shutdown(cx)
    }
}
