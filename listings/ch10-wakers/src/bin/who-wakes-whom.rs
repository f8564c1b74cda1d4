//! Who wakes whom, traced from a real run and printed as the mermaid
//! sequence diagram the chapter shows. The driver polls a oneshot receiver;
//! a thread named `sender` sends once the driver has gone to sleep (it
//! waits for that line of the trace, so every run draws the same picture).
//! Usage: `who-wakes-whom`.

use std::thread;
use std::time::Duration;

use ch10_wakers::{drive, oneshot, trace};

fn main() -> Result<(), String> {
    let (tx, rx) = oneshot::channel();
    trace::start();
    let sender = thread::Builder::new()
        .name("sender".into())
        .spawn(move || {
            if trace::wait_for("sleep", Duration::from_secs(10)) {
                tx.send(42);
            }
        })
        .map_err(|e| e.to_string())?;
    let run = drive(rx, Duration::from_secs(10));
    sender.join().map_err(|_| "the sender panicked")?;
    let events = trace::stop();
    if run.output != Some(Ok(42)) {
        return Err(format!("the receiver did not get the value: {run}"));
    }

    println!("sequenceDiagram");
    println!("    accTitle: Who wakes whom, traced from a run");
    println!(
        "    accDescr: The executor polls the receiver future. No value has \
         been sent, so the future leaves a clone of its waker with the \
         channel and returns Pending, and the executor sleeps. The sender \
         thread sends; the channel takes the stored waker and calls wake, \
         which wakes the executor. It polls the future again, which takes \
         the value and returns Ready."
    );
    let participants = [
        ("E", "executor (drive)"),
        ("F", "future (oneshot::Receiver)"),
        ("S", "event source (the channel)"),
        ("sender", "thread sender"),
    ];
    for (id, name) in participants {
        println!("    participant {id} as {name}");
    }
    for line in events.iter().flat_map(|event| event.lines()) {
        println!("    {line}");
    }
    Ok(())
}
