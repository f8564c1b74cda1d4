//! Predict the output: the strong count of a task's `Arc` while wakers
//! made from it by the standard library are cloned, woken and dropped.

use std::sync::Arc;
use std::task::{Wake, Waker};

struct Task;

impl Wake for Task {
    fn wake(self: Arc<Self>) {}
}

fn main() {
    let task = Arc::new(Task);
    let waker = Waker::from(Arc::clone(&task));
    println!("Waker::from:      {}", Arc::strong_count(&task));
    let mut stored = waker.clone();
    println!("clone:            {}", Arc::strong_count(&task));
    stored.clone_from(&waker);
    println!("clone_from:       {}", Arc::strong_count(&task));
    waker.wake_by_ref();
    println!("wake_by_ref:      {}", Arc::strong_count(&task));
    waker.wake();
    println!("wake:             {}", Arc::strong_count(&task));
    drop(stored);
    println!("drop(stored):     {}", Arc::strong_count(&task));
}
