//! `spawn_blocking`, and the pool it uses: the one the runtime running on
//! this thread made current, as it makes its reactor current.

use std::cell::RefCell;

use super::pool::Spawner;
use crate::task::JoinHandle;

thread_local! {
    /// The pool of the runtime running on this thread, if any.
    static CURRENT: RefCell<Option<Spawner>> = const { RefCell::new(None) };
}

/// Makes a pool current on this thread until dropped.
pub struct Enter {
    previous: Option<Spawner>,
}

/// Makes `pool` the one that [`spawn_blocking`] uses on this thread.
pub fn enter(pool: &Spawner) -> Enter {
    let spawner = Some(pool.clone());
    let previous = CURRENT.with(|current| current.replace(spawner));
    Enter { previous }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

// ANCHOR: spawn_blocking
/// Runs `func` on the blocking pool of the runtime running on this thread,
/// like `tokio::task::spawn_blocking`. The handle gives its return value,
/// or a `JoinError` if it panicked or was cancelled (aborted before it
/// started, or still queued when the runtime shut down). Dropping the
/// handle does not stop the job.
///
/// # Panics
///
/// Outside a runtime, and if the pool has no thread and the kernel refuses
/// to start one.
pub fn spawn_blocking<F, R>(func: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    CURRENT.with(|current| match &*current.borrow() {
        Some(spawner) => spawner.spawn(func),
        None => panic!(
            "`spawn_blocking` called outside a runtime: call it from a \
             future that `block_on` runs"
        ),
    })
}
// ANCHOR_END: spawn_blocking
