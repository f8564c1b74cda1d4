use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

fn step(name: &'static str) -> impl Future<Output = &'static str> {
    println!("{} made", name);
    let mut polls = 0;
    poll_fn(move |_| {
        polls += 1;
        println!("{} polled", name);
        if polls < 2 {
            Poll::Pending
        } else {
            Poll::Ready(name)
        }
    })
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn main() {
    let a = step("a");
    let b = step("b");
    let _never_polled = step("c");
    println!("b gave {}", block_on(b));
    println!("a gave {}", block_on(a));
}
