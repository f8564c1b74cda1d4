//! Exercise 1: `copy`, as `tokio::io::copy`: everything a reader gives,
//! written to a writer, until the end of the reader's stream.

use std::io;

use crate::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

// ANCHOR: copy
/// Copies until `reader` reaches its end, then flushes `writer`; returns
/// how many bytes went across. The buffer lives in the future's state:
/// one buffer per copy, however long it runs.
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = [0; 8 * 1024];
    let mut copied = 0;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            writer.flush().await?;
            return Ok(copied);
        }
        writer.write_all(&buf[..n]).await?;
        copied += n as u64;
    }
}
// ANCHOR_END: copy
