//! Exercise 2: an echo server that serves at most `max` connections at a
//! time; the accept loop parks until a handler finishes.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;

use crate::echo::{AcceptFailure, BACKOFF, classify, echo};
use crate::net::{TcpListener, TcpStream};
use crate::park::{current_token, park, sleep, wake};
use crate::spawn::Builder;
use crate::token::WakeToken;

// ANCHOR: semaphore
/// A counting semaphore for the green threads of one runtime.
pub struct Semaphore {
    state: RefCell<State>,
}

struct State {
    permits: usize,
    /// Threads parked in `acquire`, first come first served.
    waiting: VecDeque<WakeToken>,
}

/// One permit; dropping it gives it back.
pub struct Permit {
    semaphore: Rc<Semaphore>,
}

impl Semaphore {
    pub fn new(permits: usize) -> Rc<Semaphore> {
        Rc::new(Semaphore {
            state: RefCell::new(State {
                permits,
                waiting: VecDeque::new(),
            }),
        })
    }

    /// Takes a permit, parking until one is free.
    pub fn acquire(self: &Rc<Self>) -> Permit {
        loop {
            {
                let mut state = self.state.borrow_mut();
                if state.permits > 0 {
                    state.permits -= 1;
                    return Permit {
                        semaphore: Rc::clone(self),
                    };
                }
                state.waiting.push_back(current_token());
            } // the borrow ends before we park
            park();
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = self.semaphore.state.borrow_mut();
        state.permits += 1;
        if let Some(token) = state.waiting.pop_front() {
            wake(token);
        }
    }
}
// ANCHOR_END: semaphore

// ANCHOR: serve_limited
/// Like [`serve`](crate::echo::serve), with at most `max` connections
/// served at once. The others wait in the listen queue, where the kernel
/// completes their handshake and buffers what they send.
pub fn serve_limited(listener: &TcpListener, max: usize) -> io::Result<()> {
    let permits = Semaphore::new(max);
    loop {
        let permit = permits.acquire();
        let stream = match listener.accept_std() {
            Ok((stream, _peer)) => stream,
            Err(e) => match classify(&e) {
                AcceptFailure::OutOfResources => {
                    sleep(BACKOFF);
                    continue;
                }
                AcceptFailure::ThisConnection => continue,
                AcceptFailure::Listener => return Err(e),
            },
        };
        // `permit` moves into the handler, and comes back when it ends
        // (or at once, if the handler cannot start).
        let started = TcpStream::from_std(stream).and_then(|stream| {
            Builder::new().spawn(move || {
                let _ = echo(&stream);
                drop(stream);
                drop(permit); // the next connection may start
            })
        });
        if let Err(e) = started {
            eprintln!("connection dropped: {e}");
        }
    }
}
// ANCHOR_END: serve_limited
