//! Who wakes whom in a small run of the executor, traced and printed as the
//! mermaid sequence diagram the chapter shows. The main future spawns two
//! tasks: `a` yields once; `b` waits for a oneshot value that a thread
//! named `helper` sends once the executor has gone to sleep (it waits for
//! that line of the trace, so every run draws the same picture).
//! Usage: `who-wakes-whom`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use ch11_executor::{block_on, oneshot, spawn, trace, yield_now};

// ANCHOR: traced
/// A future that records each poll of `inner` and its answer, as a
/// participant named `name` talking to the executor `E`.
struct Traced<F> {
    name: &'static str,
    inner: Pin<Box<F>>,
}

fn traced<F: Future>(name: &'static str, inner: F) -> Traced<F> {
    Traced {
        name,
        inner: Box::pin(inner),
    }
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let name = self.name;
        trace::record(|| format!("E->>{name}: poll"));
        let poll = self.inner.as_mut().poll(cx);
        let answer = if poll.is_ready() { "Ready" } else { "Pending" };
        trace::record(|| format!("{name}-->>E: {answer}"));
        poll
    }
}
// ANCHOR_END: traced

fn main() -> Result<(), String> {
    let (tx, rx) = oneshot::channel::<u32>();
    trace::start();
    let helper = thread::Builder::new()
        .name("helper".into())
        .spawn(move || {
            if trace::wait_for("park", Duration::from_secs(10)) {
                tx.send(42);
            }
        })
        .map_err(|e| e.to_string())?;
    // ANCHOR: main
    let got = block_on(traced("main", async move {
        let a = spawn(traced("a", yield_now()));
        let b = spawn(traced("F", rx));
        trace::record(|| "main->>E: spawn a, spawn b".into());
        let b = b.await;
        let a = a.await;
        (a.is_ok(), b.ok())
    }));
    // ANCHOR_END: main
    helper.join().map_err(|_| "the helper panicked")?;
    let events = trace::stop();
    if got != (true, Some(Ok(42))) {
        return Err(format!("unexpected outputs: {got:?}"));
    }

    println!("sequenceDiagram");
    println!("    accTitle: Who wakes whom in a run of the executor");
    println!(
        "    accDescr: The executor polls the main future, which spawns \
         tasks a and b and waits for b. Task a yields, which puts it at \
         the back of the run queue; task b finds no value in its channel, \
         leaves its waker and returns Pending. The executor polls a again, \
         a finishes, and with nothing left to run the executor parks. A \
         helper thread sends on the channel, which wakes b through the \
         injection queue and unparks the executor. The executor polls b, \
         which takes the value and finishes, then the main future, which \
         finishes too."
    );
    let participants = [
        ("E", "executor (block_on)"),
        ("main", "main future"),
        ("a", "task a (yield_now)"),
        ("F", "task b (oneshot::Receiver)"),
        ("S", "the channel"),
        ("helper", "thread helper"),
    ];
    for (id, name) in participants {
        println!("    participant {id} as {name}");
    }
    for line in events.iter().flat_map(|event| event.lines()) {
        println!("    {line}");
    }
    Ok(())
}
