//! Predict the output: the strong count of a task's `Arc` while
//! futures-task's wakers for it come and go.

use std::sync::Arc;

use ch10_wakers::WakeCount;
use futures_task::{waker, waker_ref};

fn main() {
    let task = WakeCount::new();
    let kept = {
        let borrowed = waker_ref(&task);
        println!("after waker_ref:    {}", Arc::strong_count(&task));
        borrowed.wake_by_ref();
        println!("after wake_by_ref:  {}", Arc::strong_count(&task));
        borrowed.clone()
    };
    println!("after the block:    {}", Arc::strong_count(&task));
    let owned = waker(Arc::clone(&task));
    println!("after waker:        {}", Arc::strong_count(&task));
    kept.wake();
    println!("after kept.wake():  {}", Arc::strong_count(&task));
    drop(owned);
    println!("after drop(owned):  {}", Arc::strong_count(&task));
    println!("wakes:              {}", task.wakes());
}
