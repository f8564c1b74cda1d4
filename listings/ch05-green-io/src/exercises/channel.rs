//! Exercise 1: chapter 4's channel, with a `recv` that parks instead of
//! yielding.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::park::{current_token, park, wake};
use crate::token::WakeToken;

// ANCHOR: channel
struct Shared<T> {
    queue: VecDeque<T>,
    senders: usize,
    /// The receiver, while it is parked in `recv`.
    receiver: Option<WakeToken>,
}

impl<T> Shared<T> {
    /// Wakes the receiver, if it waits: something changed.
    fn notify(&mut self) {
        if let Some(token) = self.receiver.take() {
            wake(token);
        }
    }
}

/// The sending half; clone it for more senders.
pub struct Sender<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

/// The receiving half.
pub struct Receiver<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

/// An unbounded channel between the green threads of one runtime.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(RefCell::new(Shared {
        queue: VecDeque::new(),
        senders: 1,
        receiver: None,
    }));
    let receiver = Receiver {
        shared: Rc::clone(&shared),
    };
    (Sender { shared }, receiver)
}

impl<T> Sender<T> {
    /// Queues `value` and wakes the receiver; never waits.
    pub fn send(&self, value: T) {
        let mut shared = self.shared.borrow_mut();
        shared.queue.push_back(value);
        shared.notify();
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
        let mut shared = self.shared.borrow_mut();
        shared.senders -= 1;
        if shared.senders == 0 {
            shared.notify(); // `recv` must see the end
        }
    }
}

impl<T> Receiver<T> {
    /// The next value, parked until one is sent; `None` once the queue is
    /// empty and every sender is gone.
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
                shared.receiver = Some(current_token());
            } // the borrow ends before we park
            park();
        }
    }
}
// ANCHOR_END: channel
