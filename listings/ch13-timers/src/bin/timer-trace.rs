//! One run of two timers, traced by the runtime and printed as the mermaid
//! sequence diagram the chapter shows: a `sleep` that fires, and a
//! `timeout` whose future wins, so that its timer is taken out unfired.
//! (Any program of this crate prints the same kind of trace, live, to
//! standard error, when run with `REACTOR_TRACE=1`.)
//! Usage: `timer-trace`.

use std::time::Duration;

use ch13_timers::time;
use ch13_timers::{Runtime, spawn, trace};

fn main() -> Result<(), String> {
    let runtime = Runtime::new().map_err(|e| e.to_string())?;
    trace::start();
    // ANCHOR: main
    let outcome = runtime.block_on(async {
        let sleeper = spawn(time::sleep(Duration::from_millis(50)));
        let racer = spawn(time::timeout(
            Duration::from_millis(100),
            time::sleep(Duration::from_millis(10)),
        ));
        sleeper.await.map_err(|e| e.to_string())?;
        racer.await.map_err(|e| e.to_string())
    });
    // ANCHOR_END: main
    let events = trace::stop();
    drop(runtime);
    if outcome? != Ok(()) {
        return Err("the timeout fired before the sleep it raced".into());
    }

    println!("sequenceDiagram");
    println!("    accTitle: Two timers, traced by the runtime");
    println!(
        "    accDescr: The main future spawns T0, which sleeps 50 ms, and \
         T1, which races a 10 ms sleep against a 100 ms timeout. Polled, T0 \
         inserts one timer into the wheel and T1 two; both return Pending. \
         With nothing to run, the reactor sleeps in epoll_wait with the \
         nearest deadline, about 10 ms, as its timeout. The kernel returns \
         no event when the time is up; one timer is due, and the wheel \
         wakes T1 on the runtime's own thread. T1's sleep is ready, so its \
         timeout gives Ok and, dropped, takes its unfired timer out of the \
         wheel. The reactor sleeps again until T0's deadline, the wheel \
         wakes T0, T0 finishes and wakes the main future, which ends the \
         run."
    );
    let participants = [
        ("main", "main future"),
        ("T0", "T0 sleep 50 ms"),
        ("T1", "T1 timeout 100 ms"),
        ("E", "executor"),
        ("W", "timer wheel"),
        ("R", "reactor"),
        ("K", "kernel"),
    ];
    for (id, name) in participants {
        println!("    participant {id} as {name}");
    }
    for line in events.iter().flat_map(|event| event.lines()) {
        println!("    {line}");
    }
    Ok(())
}
