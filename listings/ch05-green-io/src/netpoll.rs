//! Which green thread waits for which socket: the table of registrations
//! between epoll's events and the wake tokens of parked threads (Go calls
//! its version the netpoller). It knows tokens, not threads, and imports
//! nothing from the scheduler.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use crate::poller::{Events, Poller};
use crate::token::WakeToken;
use crate::trace;

/// What a parked green thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    Read,
    Write,
}

// ANCHOR: source_token
/// Names one registration: a slot of the table, and which of the
/// registrations that slot has held. epoll hands it back with every event,
/// so an event about a registration that has ended (the slot was freed, and
/// perhaps reused for another socket) is recognised and dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceToken {
    index: u32,
    generation: u32,
}

impl SourceToken {
    /// Packed into the 64 bits epoll keeps for us with each registration.
    fn to_epoll(self) -> u64 {
        (u64::from(self.generation) << 32) | u64::from(self.index)
    }

    fn from_epoll(data: u64) -> SourceToken {
        SourceToken {
            index: data as u32,              // the low half
            generation: (data >> 32) as u32, // the high half
        }
    }
}
// ANCHOR_END: source_token

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

/// One slot of the table: free, or holding a registration's waiters.
#[derive(Default)]
struct Slot {
    /// Bumped each time the slot is freed, so no two registrations that
    /// use the slot share a token.
    generation: u32,
    waiters: Option<Waiters>,
}

pub struct NetPoll {
    poller: Poller,
    events: Events,
    /// The registrations: a slab, indexed by `SourceToken::index`.
    slots: Vec<Slot>,
    /// Indices of free slots, reused before the table grows.
    free: Vec<u32>,
    /// How many readers and writers wait, over all registrations.
    waiting: usize,
}
// ANCHOR_END: waiters

// ANCHOR: register
impl NetPoll {
    pub fn new() -> io::Result<NetPoll> {
        Ok(NetPoll {
            poller: Poller::new()?,
            events: Events::with_capacity(1024),
            slots: Vec::new(),
            free: Vec::new(),
            waiting: 0,
        })
    }

    /// Registers `fd` with epoll, once for its whole life, and returns its
    /// token. On failure (say `ENOSPC`: the user's limit of watched
    /// descriptors is reached) the table is as it was.
    pub fn register(&mut self, fd: RawFd) -> io::Result<SourceToken> {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.slots.len())
                    .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
                self.slots.push(Slot::default());
                index
            }
        };
        let slot = &mut self.slots[index as usize];
        let token = SourceToken {
            index,
            generation: slot.generation,
        };
        if let Err(e) = self.poller.add(fd, token.to_epoll()) {
            self.free.push(index);
            return Err(e);
        }
        slot.waiters = Some(Waiters::default());
        Ok(token)
    }

    /// Ends the registration: removes `fd` from epoll (call it before `fd`
    /// is closed) and frees the slot under a new generation.
    pub fn deregister(
        &mut self,
        token: SourceToken,
        fd: RawFd,
    ) -> io::Result<()> {
        let Some(slot) = self.live_slot(token) else {
            return Ok(()); // already gone
        };
        let waiters = slot.waiters.take().unwrap_or_default();
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(token.index);
        self.waiting -= usize::from(waiters.reader.is_some())
            + usize::from(waiters.writer.is_some());
        self.poller.delete(fd)
    }

    /// The slot `token` names, if that registration is still the slot's.
    fn live_slot(&mut self, token: SourceToken) -> Option<&mut Slot> {
        let slot = self.slots.get_mut(token.index as usize)?;
        (slot.generation == token.generation && slot.waiters.is_some())
            .then_some(slot)
    }
}
// ANCHOR_END: register

// ANCHOR: wait_for
impl NetPoll {
    /// Remembers that `waker` waits until the source is ready for
    /// `interest`.
    ///
    /// # Panics
    /// If another green thread already waits for the same thing: one of the
    /// two would never be woken. (Go serialises such readers with a lock.)
    pub fn wait_for(
        &mut self,
        source: SourceToken,
        interest: Interest,
        waker: WakeToken,
    ) {
        let waiters = self
            .live_slot(source)
            .and_then(|slot| slot.waiters.as_mut())
            .expect("a live registration");
        let slot = waiters.slot(interest);
        assert!(
            slot.is_none(),
            "two green threads wait for {interest:?} on one socket at once"
        );
        *slot = Some(waker);
        self.waiting += 1;
    }

    /// Forgets `waker`'s wait (its deadline came first), if it is still
    /// there.
    pub fn cancel(
        &mut self,
        source: SourceToken,
        interest: Interest,
        waker: WakeToken,
    ) {
        let Some(waiters) = self
            .live_slot(source)
            .and_then(|slot| slot.waiters.as_mut())
        else {
            return;
        };
        let slot = waiters.slot(interest);
        if *slot == Some(waker) {
            *slot = None;
            self.waiting -= 1;
        }
    }

    /// Is any green thread waiting for a socket?
    pub fn has_waiters(&self) -> bool {
        self.waiting > 0
    }
}
// ANCHOR_END: wait_for

// ANCHOR: poll
impl NetPoll {
    /// Polls once and appends the wake tokens of the threads whose sockets
    /// became ready to `ready`. Events of ended registrations are dropped.
    pub fn poll(
        &mut self,
        timeout: Option<Duration>,
        ready: &mut Vec<WakeToken>,
    ) -> io::Result<()> {
        self.poller.wait(&mut self.events, timeout)?;
        trace::record(|| trace_poll(timeout, &self.events));
        for event in self.events.iter() {
            let source = SourceToken::from_epoll(event.token);
            let Some(slot) = self.slots.get_mut(source.index as usize) else {
                continue;
            };
            let Some(waiters) = slot.waiters.as_mut() else {
                continue; // the registration ended; the slot is free
            };
            if slot.generation != source.generation {
                continue; // the slot holds a newer registration
            }
            let woken = [
                (event.readable, &mut waiters.reader),
                (event.writable, &mut waiters.writer),
            ];
            for (is_ready, waiter) in woken {
                if let Some(token) = waiter.take_if(|_| is_ready) {
                    trace::record(|| {
                        format!("N-->>S: wake {}", trace::name(token.thread()))
                    });
                    ready.push(token);
                    self.waiting -= 1;
                }
            }
        }
        Ok(())
    }
}
// ANCHOR_END: poll

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
