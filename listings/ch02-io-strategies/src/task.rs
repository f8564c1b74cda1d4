//! A waiting task as an event loop sees it: a small state machine that the
//! loop advances each time the OS says the task's pipe has data.

use std::fs::File;
use std::io::{self, Read};
use std::task::Poll;

use crate::message;

// ANCHOR: task_trait
/// A task an event loop can drive. The loop calls `on_readable` whenever the
/// OS reports the task's pipe readable; the task reads what is there without
/// blocking and says whether it is finished (`Ready`) or still waiting.
pub trait Task {
    type Output;

    fn on_readable(
        &mut self,
        pipe: &mut File,
    ) -> Poll<io::Result<Self::Output>>;
}
// ANCHOR_END: task_trait

// ANCHOR: message_reader
/// Collects one message over as many reads as it takes: a pipe may hand
/// over part of a message now and the rest later.
#[derive(Default)]
pub struct MessageReader {
    bytes: [u8; message::LEN],
    filled: usize,
}

impl MessageReader {
    /// Reads until the message is complete (`Ready`) or the pipe is empty
    /// for now (`Pending`). Never blocks if `pipe` is non-blocking.
    pub fn read_from(&mut self, pipe: &mut impl Read) -> Poll<io::Result<u64>> {
        while self.filled < message::LEN {
            match pipe.read(&mut self.bytes[self.filled..]) {
                Ok(0) => {
                    return Poll::Ready(Err(
                        io::ErrorKind::UnexpectedEof.into()
                    ));
                }
                Ok(read) => self.filled += read,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Poll::Pending;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(message::decode(self.bytes)))
    }
}
// ANCHOR_END: message_reader

/// The task of the chapter's workload: wait for one message.
#[derive(Default)]
pub struct OneMessage(MessageReader);

impl Task for OneMessage {
    type Output = u64;

    fn on_readable(&mut self, pipe: &mut File) -> Poll<io::Result<u64>> {
        self.0.read_from(pipe)
    }
}
