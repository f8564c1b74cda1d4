//! Exercise 2: a connection split into a reading half and a writing half
//! that two tasks can own, as tokio's `TcpStream::into_split`; and a
//! proxy built from them.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::copy::copy;
use crate::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use crate::net::TcpStream;

// ANCHOR: split
/// The reading half: reads through `&TcpStream`.
pub struct OwnedReadHalf(Arc<TcpStream>);

/// The writing half; dropping it leaves the peer's reads waiting, as
/// tokio's does not: call `shutdown` to end the stream.
pub struct OwnedWriteHalf(Arc<TcpStream>);

/// Splits `stream` in two. The reactor keeps one waker per direction, so
/// the reader and the writer can wait at the same time, in two tasks.
pub fn into_split(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let stream = Arc::new(stream);
    (OwnedReadHalf(Arc::clone(&stream)), OwnedWriteHalf(stream))
}

impl AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for OwnedWriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_shutdown(cx)
    }
}
// ANCHOR_END: split

// ANCHOR: proxy
/// Forwards both ways between `client` and `server`, one task per
/// direction, until both ends have closed; returns the bytes each way.
pub async fn proxy(
    client: TcpStream,
    server: TcpStream,
) -> io::Result<(u64, u64)> {
    let (mut client_in, mut client_out) = into_split(client);
    let (mut server_in, mut server_out) = into_split(server);
    let upstream = crate::spawn(async move {
        let copied = copy(&mut client_in, &mut server_out).await?;
        server_out.shutdown().await?; // the client is done: tell the server
        io::Result::Ok(copied)
    });
    let copied = copy(&mut server_in, &mut client_out).await?;
    client_out.shutdown().await?;
    let up = match upstream.await {
        Ok(copied) => copied?,
        Err(e) => return Err(io::Error::other(e.to_string())),
    };
    Ok((up, copied))
}
// ANCHOR_END: proxy
