//! The waiting room: register interest, park, resume. Everything a green
//! thread does to wait for a socket, a deadline or another thread lives
//! here, above the data rooms it uses (the runtime's tables, the netpoller,
//! the timers) and below the scheduler loop that wakes it.

use std::io;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use crate::context;
use crate::netpoll::{Interest, SourceToken};
use crate::policy::ThreadId;
use crate::runtime::{Runtime, try_with_runtime, with_runtime};
use crate::thread::State;
use crate::token::WakeToken;
use crate::trace;

// ANCHOR: suspend
/// Switches from the running green thread to the scheduler loop, after
/// `prepare` has said what becomes of it: ready again, parked, or finished.
/// Returns when the scheduler resumes it.
pub fn suspend(prepare: impl FnOnce(&mut Runtime, ThreadId)) {
    let (thread_context, loop_context) = with_runtime(|rt| {
        let id = rt.running.expect("called outside a green thread");
        prepare(rt, id);
        let thread = rt.threads.get_mut(id).expect("the running thread");
        (&raw mut thread.context, &raw const rt.loop_context)
    });
    // SAFETY: the scheduler loop suspended itself into `loop_context` when
    // it resumed us; our own context stays in the table while we are away.
    // Both live in the installed runtime; no borrow of it is held.
    unsafe { context::switch(thread_context, loop_context) };
}

/// Lets every other ready green thread run, then continues.
///
/// # Panics
/// Outside a green thread.
pub fn yield_now() {
    suspend(|rt, id| {
        let thread = rt.threads.get_mut(id).expect("the running thread");
        thread.yield_turn();
        rt.policy.push(id, thread.priority);
    });
}
// ANCHOR_END: suspend

// ANCHOR: park
/// The token that wakes the running green thread from a `park` in this
/// same turn. Hand it to whoever will end the wait, then park.
pub fn current_token() -> WakeToken {
    with_runtime(|rt| {
        let id = rt.running.expect("called outside a green thread");
        match rt.threads.get(id).map(|thread| thread.state()) {
            Some(State::Running { turn }) => WakeToken::new(id, turn),
            other => unreachable!("the running thread is {other:?}"),
        }
    })
}

/// Takes the running green thread off the ready queue until a token taken
/// in this turn is woken. Other green threads run meanwhile.
pub fn park() {
    suspend(|rt, id| {
        rt.threads.get_mut(id).expect("the running thread").park();
    });
}

/// Makes the thread `token` names ready again, if it is still in that wait.
pub fn wake(token: WakeToken) {
    with_runtime(|rt| rt.wake(token));
}
// ANCHOR_END: park

// ANCHOR: park_on
/// Parks the running green thread until `source` may be ready for
/// `interest`, or `deadline` passes. Call it only right after an `EAGAIN`:
/// the registration is edge-triggered, so readiness that came before that
/// `EAGAIN` is not reported again.
pub fn park_on(
    source: SourceToken,
    interest: Interest,
    deadline: Option<Instant>,
) {
    let token = current_token();
    let me = trace::name(token.thread());
    trace::record(|| {
        format!("{me}->>N: wait for {interest:?}\n{me}->>S: park")
    });
    with_runtime(|rt| {
        rt.netpoll.wait_for(source, interest, token);
        if let Some(deadline) = deadline {
            rt.timers.add(deadline, token);
        }
    });
    park();
    // One of the two woke us; withdraw the other. A deadline left behind
    // would wake the scheduler for nothing, and pile up meanwhile.
    with_runtime(|rt| {
        rt.netpoll.cancel(source, interest, token);
        if let Some(deadline) = deadline {
            rt.timers.cancel(deadline, token);
        }
    });
}
// ANCHOR_END: park_on

// ANCHOR: retry
/// Runs `op` until it stops failing with `EAGAIN`/`EWOULDBLOCK`, parking the
/// green thread until `source` may be ready after each such failure, or
/// failing with `TimedOut` once `deadline` has passed. `EINTR` (a signal
/// arrived during the call) means "try again". This loop is the whole
/// trick: its caller sees one call that "blocked".
pub fn retry_when_ready<R>(
    source: SourceToken,
    interest: Interest,
    deadline: Option<Instant>,
    mut op: impl FnMut() -> io::Result<R>,
) -> io::Result<R> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                park_on(source, interest, deadline);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}
// ANCHOR_END: retry

// ANCHOR: sleep
/// Parks the running green thread for at least `duration`; the other green
/// threads run meanwhile, and if none is ready the OS thread sleeps in
/// `epoll_wait` until the deadline.
pub fn sleep(duration: Duration) {
    let Some(deadline) = Instant::now().checked_add(duration) else {
        return park_for_good();
    };
    while Instant::now() < deadline {
        let token = current_token();
        with_runtime(|rt| rt.timers.add(deadline, token));
        park(); // only the timer holds the token: it removed the deadline
    }
}
// ANCHOR_END: sleep

/// A sleep longer than `Instant` can count: nothing will ever wake us.
fn park_for_good() {
    loop {
        park();
    }
}

/// Registers a socket with this OS thread's netpoller, for its whole life.
///
/// # Panics
/// Outside `run`.
pub fn register(fd: RawFd) -> io::Result<SourceToken> {
    with_runtime(|rt| rt.netpoll.register(fd))
}

/// Ends a registration (before the socket is closed); does nothing once
/// `run` has returned.
pub fn deregister(source: SourceToken, fd: RawFd) -> io::Result<()> {
    try_with_runtime(|rt| rt.netpoll.deregister(source, fd)).unwrap_or(Ok(()))
}

/// How many deadlines the timers hold: for tests and diagnostics, as
/// tokio's runtime metrics are.
pub fn pending_timers() -> usize {
    with_runtime(|rt| rt.timers.len())
}
