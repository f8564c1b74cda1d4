//! Exercise 3: a file you read a piece at a time, with `AsyncRead`, like
//! `tokio::fs::File`. Each read that finds no bytes buffered sends one job
//! to the pool, which reads the next chunk into a buffer the job owns; the
//! task copies from that buffer until it is empty.

use std::io::{self, Read};
use std::mem;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::blocking::spawn_blocking;
use crate::io::AsyncRead;
use crate::task::JoinHandle;

/// How much one job reads.
pub const CHUNK: usize = 64 * 1024;

// ANCHOR: file
/// A file read through the blocking pool.
pub struct File {
    state: State,
}

enum State {
    /// The file and its buffer are here; `buf[pos..]` is not read yet.
    Idle(Chunk),
    /// A job has them, and is reading the next chunk.
    Busy(JoinHandle<(Chunk, io::Result<usize>)>),
    /// A job that had them panicked or was cancelled: they are gone.
    Lost,
}

struct Chunk {
    file: std::fs::File,
    buf: Vec<u8>,
    pos: usize,
}

impl File {
    /// Opens `path` for reading, on the pool.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let file = spawn_blocking(move || std::fs::File::open(path))
            .await
            .map_err(|e| io::Error::other(e.to_string()))??;
        Ok(File {
            state: State::Idle(Chunk {
                file,
                buf: Vec::new(),
                pos: 0,
            }),
        })
    }
}

impl AsyncRead for File {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            match &mut self.state {
                State::Idle(chunk) if chunk.pos < chunk.buf.len() => {
                    let rest = &chunk.buf[chunk.pos..];
                    let n = rest.len().min(dst.len());
                    dst[..n].copy_from_slice(&rest[..n]);
                    chunk.pos += n;
                    return Poll::Ready(Ok(n));
                }
                State::Idle(_) if dst.is_empty() => return Poll::Ready(Ok(0)),
                State::Idle(_) => {
                    // Nothing buffered: the file and the buffer go to a
                    // job, which owns them while it reads.
                    let State::Idle(mut chunk) =
                        mem::replace(&mut self.state, State::Lost)
                    else {
                        unreachable!("matched `Idle` just above");
                    };
                    self.state = State::Busy(spawn_blocking(move || {
                        chunk.buf.resize(CHUNK, 0);
                        let read = chunk.file.read(&mut chunk.buf);
                        chunk.buf.truncate(*read.as_ref().unwrap_or(&0));
                        chunk.pos = 0;
                        (chunk, read)
                    }));
                }
                State::Busy(job) => {
                    let done = ready!(Pin::new(job).poll(cx));
                    let Ok((chunk, read)) = done else {
                        self.state = State::Lost;
                        let why = "a read of the file failed on the pool";
                        return Poll::Ready(Err(io::Error::other(why)));
                    };
                    self.state = State::Idle(chunk);
                    match read {
                        // End of file, or an error: say so.
                        Ok(0) => return Poll::Ready(Ok(0)),
                        Err(e) => return Poll::Ready(Err(e)),
                        // Bytes: the loop copies them out.
                        Ok(_) => {}
                    }
                }
                State::Lost => {
                    let why = "the file was lost with a failed read";
                    return Poll::Ready(Err(io::Error::other(why)));
                }
            }
        }
    }
}
// ANCHOR_END: file
