//! `JoinHandle`, the future of a spawned task's output, and `JoinError`,
//! what it gives instead when the task panicked or was cancelled.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use super::header::Header;
use super::state::{COMPLETED, Wake};

// ANCHOR: handle
/// The output of a spawned task, as a future: `Ok(value)` once the task
/// returned `value`, `Err(JoinError)` if it panicked or was cancelled.
/// Dropping the handle detaches the task: it still runs to the end.
pub struct JoinHandle<T> {
    task: NonNull<Header>,
    /// The output has been taken: dropping the handle needs one atomic
    /// step.
    taken: bool,
    _output: PhantomData<T>,
}
// ANCHOR_END: handle

// SAFETY: the handle touches the task's atomic state word from any thread,
// and moves the output, which is `Send`, to whichever thread polls it.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: through `&JoinHandle`, only the atomic state word is touched
// (`abort`, `is_finished`).
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Takes over one of the task's first references (see `task::new`).
    pub(super) fn from_raw(task: NonNull<Header>) -> JoinHandle<T> {
        JoinHandle {
            task,
            taken: false,
            _output: PhantomData,
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: the handle's reference keeps the task alive.
        unsafe { self.task.as_ref() }
    }

    /// Cancels the task: its future is dropped at the executor's next turn
    /// (at once if it is idle, after the poll if it is running), and the
    /// handle then gives `Err(JoinError)` with `is_cancelled()`. A task
    /// that has completed keeps its output.
    pub fn abort(&self) {
        if self.header().state.abort() == Wake::Submit {
            // SAFETY: `abort` set SCHEDULED and took a reference for the
            // queue entry, which the vtable's `schedule` hands over.
            unsafe { (self.header().vtable.schedule)(self.task) }
        }
    }

    /// Whether the task has completed (awaiting the handle would not wait).
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is(COMPLETED)
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: this is the task's handle, and `out` has the type of the
        // task's output (`task::new` made the handle with that type).
        unsafe {
            (self.header().vtable.read_output)(
                self.task,
                (&raw mut out).cast(),
                cx.waker(),
            );
        }
        self.taken = out.is_ready();
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.taken {
            // The common case: awaited to the end. Nothing left to drop.
            if self.header().state.drop_handle_after_output() {
                // SAFETY: that was the last reference.
                unsafe { (self.header().vtable.dealloc)(self.task) }
            }
            return;
        }
        // SAFETY: called once, by this handle, which gives up its reference.
        unsafe { (self.header().vtable.drop_handle)(self.task) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("state", &self.header().state)
            .finish()
    }
}

// ANCHOR: error
/// Why a task gave no output.
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    #[doc(hidden)]
    pub fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    #[doc(hidden)]
    pub fn panic(payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            repr: Repr::Panic(payload),
        }
    }

    /// The task was aborted, or its runtime shut down before it finished.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic's payload, to inspect or to `resume_unwind` in the
    /// joining task. Panics if the task was cancelled instead.
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError::into_panic` on a cancelled task")
    }

    /// The panic's payload, or the error back if the task was cancelled.
    pub fn try_into_panic(
        self,
    ) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }
}
// ANCHOR_END: error

/// The panic's message, if its payload is a string (as `panic!` makes it).
fn message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task was cancelled"),
            Repr::Panic(payload) => match message(payload.as_ref()) {
                Some(message) => write!(f, "task panicked: {message}"),
                None => write!(f, "task panicked"),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled"),
            Repr::Panic(payload) => match message(payload.as_ref()) {
                Some(message) => write!(f, "JoinError::Panic({message:?})"),
                None => write!(f, "JoinError::Panic(..)"),
            },
        }
    }
}

impl std::error::Error for JoinError {}
