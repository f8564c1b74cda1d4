//! Which green thread waits for which socket: the bridge between the poller's
//! events and the scheduler's wake-ups (Go calls its version the netpoller).

use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use crate::poller::{Events, Poller};
use crate::runtime::{
    WakeToken, current_token, park, with_netpoll, with_timers,
};
use crate::trace;

/// What a parked green thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    Read,
    Write,
}

// ANCHOR: waiters
/// At most one reader and one writer wait on a socket at a time.
#[derive(Default)]
struct Waiters {
    reader: Option<WakeToken>,
    writer: Option<WakeToken>,
}

impl Waiters {
    fn slot(&mut self, interest: Interest) -> &mut Option<WakeToken> {
        match interest {
            Interest::Read => &mut self.reader,
            Interest::Write => &mut self.writer,
        }
    }
}

pub struct NetPoll {
    poller: Poller,
    events: Events,
    sockets: HashMap<RawFd, Waiters>,
    /// How many readers and writers wait, over all sockets.
    parked: usize,
}
// ANCHOR_END: waiters

impl NetPoll {
    pub fn new() -> io::Result<NetPoll> {
        Ok(NetPoll {
            poller: Poller::new()?,
            events: Events::with_capacity(1024),
            sockets: HashMap::new(),
            parked: 0,
        })
    }

    /// Called once per socket, when it is wrapped; the fd is its token.
    pub fn register(&mut self, fd: RawFd) -> io::Result<()> {
        self.poller.add(fd, fd as u64)?;
        self.sockets.insert(fd, Waiters::default());
        Ok(())
    }

    /// Called when the socket is dropped, before its fd is closed and reused.
    pub fn deregister(&mut self, fd: RawFd) -> io::Result<()> {
        if let Some(waiters) = self.sockets.remove(&fd) {
            self.parked -= usize::from(waiters.reader.is_some())
                + usize::from(waiters.writer.is_some());
        }
        self.poller.delete(fd)
    }

    // ANCHOR: wait_for
    /// Remembers that `token` waits until `fd` is ready for `interest`.
    ///
    /// # Panics
    /// If another green thread already waits for the same thing: one of the
    /// two would never be woken. (Go serialises such readers with a lock.)
    pub fn wait_for(
        &mut self,
        fd: RawFd,
        interest: Interest,
        token: WakeToken,
    ) {
        let waiters = self
            .sockets
            .get_mut(&fd)
            .expect("socket registered with the netpoller");
        let slot = waiters.slot(interest);
        assert!(
            slot.is_none(),
            "two green threads wait for {interest:?} on one socket at once"
        );
        *slot = Some(token);
        self.parked += 1;
    }

    /// Forgets `token`'s wait (its deadline passed first), if it is still there.
    pub fn cancel(&mut self, fd: RawFd, interest: Interest, token: WakeToken) {
        if let Some(waiters) = self.sockets.get_mut(&fd) {
            let slot = waiters.slot(interest);
            if *slot == Some(token) {
                *slot = None;
                self.parked -= 1;
            }
        }
    }

    /// Is any green thread parked on a socket?
    pub fn has_waiters(&self) -> bool {
        self.parked > 0
    }
    // ANCHOR_END: wait_for

    // ANCHOR: poll
    /// Polls once and appends the tokens of every green thread whose socket
    /// became ready to `ready`.
    pub fn poll(
        &mut self,
        timeout: Option<Duration>,
        ready: &mut Vec<WakeToken>,
    ) -> io::Result<()> {
        self.poller.wait(&mut self.events, timeout)?;
        trace::record(|| trace_poll(timeout, &self.events));
        for event in self.events.iter() {
            let Some(waiters) = self.sockets.get_mut(&(event.token as RawFd))
            else {
                continue;
            };
            let woken = [
                (event.readable, &mut waiters.reader),
                (event.writable, &mut waiters.writer),
            ];
            for (is_ready, slot) in woken {
                if let Some(token) = slot.take_if(|_| is_ready) {
                    trace::record(|| {
                        format!("N-->>S: wake {}", trace::name(token.thread()))
                    });
                    ready.push(token);
                    self.parked -= 1;
                }
            }
        }
        Ok(())
    }
    // ANCHOR_END: poll
}

// ANCHOR: park_on
/// Parks the running green thread until `fd` may be ready for `interest`,
/// or `deadline` passes. Call it only right after an `EAGAIN`: the
/// registration is edge-triggered, so readiness that came before that
/// `EAGAIN` is not reported again.
pub fn park_on(fd: RawFd, interest: Interest, deadline: Option<Instant>) {
    let token = current_token();
    let me = trace::name(token.thread());
    trace::record(|| {
        format!("{me}->>N: wait for {interest:?}\n{me}->>S: park")
    });
    with_netpoll(|netpoll| netpoll.wait_for(fd, interest, token))
        .expect("inside green::run");
    if let Some(deadline) = deadline {
        with_timers(|timers| timers.add(deadline, token));
    }
    park();
    // Woken by the deadline? Then our registration is still there: drop it.
    with_netpoll(|netpoll| netpoll.cancel(fd, interest, token));
}
// ANCHOR_END: park_on

/// Registers a socket with this OS thread's netpoller.
///
/// # Panics
/// Outside [`run`](crate::run).
pub fn register(fd: RawFd) -> io::Result<()> {
    with_netpoll(|netpoll| netpoll.register(fd))
        .expect("sockets need green::run")
}

/// Deregisters a socket; does nothing once `run` has returned.
pub fn deregister(fd: RawFd) -> io::Result<()> {
    with_netpoll(|netpoll| netpoll.deregister(fd)).unwrap_or(Ok(()))
}

/// The `epoll_wait` call and what it returned, for the trace.
fn trace_poll(timeout: Option<Duration>, events: &Events) -> String {
    let timeout = match timeout {
        None => "no timeout".to_string(),
        Some(t) => format!("timeout {} ms", t.as_millis()),
    };
    let ready: Vec<String> = events
        .iter()
        .map(|event| match (event.readable, event.writable) {
            (true, true) => "socket readable and writable",
            (true, false) => "socket readable",
            (false, true) => "socket writable",
            (false, false) => "socket event",
        })
        .map(String::from)
        .collect();
    let ready = if ready.is_empty() {
        "nothing ready".to_string()
    } else {
        ready.join("; ")
    };
    format!("N->>K: epoll_wait, {timeout}\nK-->>N: {ready}")
}
