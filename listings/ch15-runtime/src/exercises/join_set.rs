//! Exercise 1: a set of tasks whose outputs come out in the order the
//! tasks finish, like `tokio::task::JoinSet`.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use crate::task::{JoinError, JoinHandle};

// ANCHOR: join_set
/// Tasks spawned on the current runtime; dropping the set aborts those
/// that have not finished.
pub struct JoinSet<T> {
    handles: Vec<JoinHandle<T>>,
}

impl<T: Send + 'static> JoinSet<T> {
    pub fn new() -> JoinSet<T> {
        JoinSet {
            handles: Vec::new(),
        }
    }

    /// Spawns `future` on the runtime this code runs on, into the set.
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.handles.push(crate::spawn(future));
    }

    pub fn len(&self) -> usize {
        self.handles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// The output of a task that has finished, the first one found; `None`
    /// once the set is empty.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| {
            if self.handles.is_empty() {
                return Poll::Ready(None);
            }
            // Every handle gets this poll's waker: whichever task finishes
            // first wakes us. (tokio keeps a list of the woken ones, so
            // that a wake costs one poll, not one per task in the set.)
            for at in 0..self.handles.len() {
                if let Poll::Ready(output) =
                    Pin::new(&mut self.handles[at]).poll(cx)
                {
                    self.handles.swap_remove(at);
                    return Poll::Ready(Some(output));
                }
            }
            Poll::Pending
        })
        .await
    }
}

impl<T: Send + 'static> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        for handle in &self.handles {
            handle.abort();
        }
    }
}
// ANCHOR_END: join_set
