//! Mermaid sequence diagrams drawn from a [`Trace`](crate::trace::Trace):
//! the page's pictures of what the loop and the driver did, as they did it.

use std::fmt::Write;

use crate::driver::{DRIVER, Kind};
use crate::poll::Token;
use crate::trace::Event;
use crate::uring_loop::{LISTENER, WAKE};

/// How an operation is named in a diagram.
fn name(kind: Kind, owner: Token) -> &'static str {
    match (kind, owner) {
        (Kind::Read, WAKE) => "read (wake-up eventfd)",
        (Kind::Nop, _) => "nop",
        (Kind::Accept, _) => "accept",
        (Kind::Recv, _) => "recv",
        (Kind::Send, _) => "send",
        (Kind::Read, _) => "read",
        (Kind::Timeout, LISTENER) => "timer (resume accepting)",
        (Kind::Timeout, _) => "timeout",
        (Kind::Cancel, _) => "cancel",
    }
}

/// A completion's result, in words.
fn outcome(kind: Kind, res: i32) -> String {
    match (kind, res) {
        (Kind::Accept, fd) if fd >= 0 => "a new socket".into(),
        (Kind::Recv, 0) => "0 bytes: end of stream".into(),
        (Kind::Recv | Kind::Send | Kind::Read, n) if n >= 0 => {
            format!("{n} bytes")
        }
        (Kind::Cancel, 0) => "found it".into(),
        (_, 0) => "done".into(),
        (_, n) if n > 0 => n.to_string(),
        (_, n) => errno_name(-n).to_string(),
    }
}

fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::ECANCELED => "-ECANCELED",
        libc::ENOENT => "-ENOENT",
        libc::EALREADY => "-EALREADY",
        libc::ECONNRESET => "-ECONNRESET",
        libc::EPIPE => "-EPIPE",
        libc::ETIME => "-ETIME",
        libc::EAGAIN => "-EAGAIN",
        libc::ENOBUFS => "-ENOBUFS",
        _ => "an error",
    }
}

// ANCHOR: render
/// Draws `events` between someone else (`C`, named `them`, if given), our
/// code (`L`, named `ours`) and the kernel (`K`). Notes become arrows or
/// notes by their first word: `client: ` an arrow from `C` to the kernel,
/// `call: ` from `C` to our code, `back: ` from our code to `C`, `table: `
/// a note over our code; any other note lies across our code and the
/// kernel. The driver's own operations (the timer that bounds a shutdown)
/// are left out.
pub fn sequence(
    title: &str,
    description: &str,
    them: Option<&str>,
    ours: &str,
    events: &[Event],
) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        let _ = writeln!(out, "    {text}");
    };
    line(format!("accTitle: {title}"));
    line(format!("accDescr: {description}"));
    if let Some(them) = them {
        line(format!("participant C as {them}"));
    }
    line(format!("participant L as {ours}"));
    line("participant K as kernel (io_uring)".into());
    let mut pushed: Vec<&str> = Vec::new();
    for event in events {
        match event {
            Event::Pushed { owner, .. } if *owner == DRIVER => {}
            Event::Pushed { owner, kind, .. } => {
                pushed.push(name(*kind, *owner))
            }
            Event::Entering { waits } => {
                let mut call = match pushed.is_empty() {
                    true => String::new(),
                    false => format!("submit {}", pushed.join(", ")),
                };
                // Mermaid reads a semicolon as the end of a line.
                if *waits {
                    call += if call.is_empty() { "wait" } else { " and wait" };
                }
                if !call.is_empty() {
                    line(format!("L->>K: io_uring_enter: {call}"));
                }
                pushed.clear();
            }
            Event::Completed { owner, .. } if *owner == DRIVER => {}
            Event::Completed {
                owner, kind, res, ..
            } => {
                let what = name(*kind, *owner);
                line(format!("K-->>L: {what}: {}", outcome(*kind, *res)));
            }
            Event::Note(text) => {
                let (to, what) = text.split_once(": ").unwrap_or(("", text));
                line(match to {
                    "client" => format!("C->>K: {what}"),
                    "call" => format!("C->>L: {what}"),
                    "back" => format!("L-->>C: {what}"),
                    "table" => format!("Note over L: {what}"),
                    _ => format!("Note over L,K: {text}"),
                });
            }
        }
    }
    format!("sequenceDiagram\n{out}")
}
// ANCHOR_END: render
