//! Exercise 1: tasks that need two messages (say, a header, then a body).
//!
//! Way A would just call `read_exact` twice. An event-loop task must instead
//! remember, between two wake-ups, which message it is collecting and what
//! the first one said: its state is where it stopped.

use std::fs::File;
use std::io;
use std::task::Poll;

use crate::task::{MessageReader, Task};

// ANCHOR: two_messages
/// Waits for two messages on the same pipe and returns both.
pub enum TwoMessages {
    First(MessageReader),
    Second { first: u64, reader: MessageReader },
    Finished,
}

impl Default for TwoMessages {
    fn default() -> Self {
        TwoMessages::First(MessageReader::default())
    }
}

impl Task for TwoMessages {
    type Output = (u64, u64);

    fn on_readable(&mut self, pipe: &mut File) -> Poll<io::Result<(u64, u64)>> {
        loop {
            match self {
                TwoMessages::First(reader) => match reader.read_from(pipe) {
                    Poll::Ready(Ok(first)) => {
                        // The second message may already be in the pipe:
                        // move on and try it now rather than at the next wake-up.
                        let reader = MessageReader::default();
                        *self = TwoMessages::Second { first, reader };
                    }
                    Poll::Ready(Err(e)) => return self.finish(Err(e)),
                    Poll::Pending => return Poll::Pending,
                },
                TwoMessages::Second { first, reader } => {
                    let first = *first;
                    return match reader.read_from(pipe) {
                        Poll::Ready(second) => {
                            self.finish(second.map(|second| (first, second)))
                        }
                        Poll::Pending => Poll::Pending,
                    };
                }
                TwoMessages::Finished => {
                    panic!("TwoMessages polled after it finished")
                }
            }
        }
    }
}

impl TwoMessages {
    fn finish<T>(&mut self, result: io::Result<T>) -> Poll<io::Result<T>> {
        *self = TwoMessages::Finished;
        Poll::Ready(result)
    }
}
// ANCHOR_END: two_messages
