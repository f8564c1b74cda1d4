//! Exercise 2: a channel between green threads, built on `yield_now`.

use crate::runtime::yield_now;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

// ANCHOR: channel
struct Shared<T> {
    queue: VecDeque<T>,
    senders: usize,
}

/// The sending half; clone it for more senders.
pub struct Sender<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

/// The receiving half.
pub struct Receiver<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

/// An unbounded channel, like `std::sync::mpsc::channel`, for green threads
/// of one runtime.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(RefCell::new(Shared {
        queue: VecDeque::new(),
        senders: 1,
    }));
    let receiver = Receiver {
        shared: Rc::clone(&shared),
    };
    (Sender { shared }, receiver)
}

impl<T> Sender<T> {
    /// Queues `value`; never waits.
    pub fn send(&self, value: T) {
        self.shared.borrow_mut().queue.push_back(value);
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.borrow_mut().senders += 1;
        Sender {
            shared: Rc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.borrow_mut().senders -= 1;
    }
}

impl<T> Receiver<T> {
    /// The next value, yielding to other green threads until one is sent;
    /// `None` once the queue is empty and every sender is gone.
    pub fn recv(&self) -> Option<T> {
        loop {
            {
                let mut shared = self.shared.borrow_mut();
                if let Some(value) = shared.queue.pop_front() {
                    return Some(value);
                }
                if shared.senders == 0 {
                    return None;
                }
            } // the borrow ends before we yield
            yield_now();
        }
    }
}
// ANCHOR_END: channel
