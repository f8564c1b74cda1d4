//! Exercise 1, a solution: a `JoinSet`, like tokio's: spawn many tasks,
//! then take their outputs in the order they finish.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use crate::{JoinError, JoinHandle, spawn};

// ANCHOR: join_set
/// A set of spawned tasks whose outputs come out as they finish. Dropping
/// the set aborts the tasks still in it.
pub struct JoinSet<T> {
    handles: Vec<JoinHandle<T>>,
}

impl<T: Send + 'static> JoinSet<T> {
    pub fn new() -> JoinSet<T> {
        JoinSet {
            handles: Vec::new(),
        }
    }

    /// Spawns `future` on the current runtime, into the set.
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.handles.push(spawn(future));
    }

    pub fn len(&self) -> usize {
        self.handles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// The output of the next task to finish, or `None` if the set is
    /// empty.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| {
            if self.handles.is_empty() {
                return Poll::Ready(None);
            }
            // Every handle gets this poll's waker: whichever task finishes
            // first wakes us. (`JoinHandle` keeps a waker it already has.)
            for i in 0..self.handles.len() {
                if let Poll::Ready(output) =
                    Pin::new(&mut self.handles[i]).poll(cx)
                {
                    drop(self.handles.swap_remove(i));
                    return Poll::Ready(Some(output));
                }
            }
            Poll::Pending
        })
        .await
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

impl<T: Send + 'static> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}
