//! Reading and writing without blocking: the [`AsyncRead`] and
//! [`AsyncWrite`] traits, their `.await`-able methods ([`AsyncReadExt`],
//! [`AsyncWriteExt`]), and the waiting room that socket types build them
//! on ([`registration`]).
//!
//! The names are tokio's, so that code written against tokio's traits
//! compiles against these: `socket.read(&mut buf).await`,
//! `socket.write_all(&buf[..n]).await`.

mod ext;
pub mod registration;

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use ext::{
    AsyncReadExt, AsyncWriteExt, Flush, Read, ReadExact, Shutdown, Write,
    WriteAll,
};
pub use registration::{PollEvented, Registration};

// ANCHOR: traits
/// Bytes that arrive when they arrive: `poll_read` either reads some into
/// `buf` now, or leaves the task's waker with whoever will know when it
/// can, and returns `Pending`.
pub trait AsyncRead {
    /// `Ready(Ok(n))`: `n` bytes were read into `buf[..n]`; 0 means end of
    /// stream (or an empty `buf`). `Pending`: nothing to read yet; the task
    /// will be woken.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>;
}

/// Room for bytes that comes when it comes.
pub trait AsyncWrite {
    /// `Ready(Ok(n))`: the first `n` bytes of `buf` were written (`n` may
    /// be less than `buf.len()`). `Pending`: no room yet; the task will be
    /// woken.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;

    /// Ready once everything written so far has left any buffer of the
    /// writer's own (a socket has none: ready at once).
    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>>;

    /// Flushes, then ends the writing side: the peer reads end of stream.
    fn poll_shutdown(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>>;
}
// ANCHOR_END: traits

// Boxes, references and pinned pointers to readers and writers are
// readers and writers, so that `&mut socket` and `Box<dyn AsyncRead>` work.

impl<R: AsyncRead + Unpin + ?Sized> AsyncRead for &mut R {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self).poll_read(cx, buf)
    }
}

impl<R: AsyncRead + Unpin + ?Sized> AsyncRead for Box<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self).poll_read(cx, buf)
    }
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> AsyncWrite for &mut W {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_shutdown(cx)
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> AsyncWrite for Box<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_shutdown(cx)
    }
}

impl<P> AsyncWrite for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write(cx, buf)
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_flush(cx)
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_shutdown(cx)
    }
}
