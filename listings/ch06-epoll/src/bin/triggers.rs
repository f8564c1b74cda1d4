//! Level- and edge-triggered epoll side by side: a reader that stops
//! before `EAGAIN`, and a loop that keeps writable interest it does not
//! need. Usage: `triggers`

use std::io;
use std::time::Duration;

use ch06_epoll::harness::machine;
use ch06_epoll::poll::{Interest, Mode};
use ch06_epoll::triggers::{
    CHUNK, MESSAGE, Reader, Reading, read_loop, wait_for_message,
};

fn main() -> io::Result<()> {
    println!("{}", machine::line());
    println!(
        "the peer sends {MESSAGE} bytes in one write; each read takes at most {CHUNK} bytes"
    );
    let readers = [
        (
            "level-triggered, one read per wake-up:",
            Mode::Level,
            Reader::OneReadPerWakeup,
        ),
        (
            "edge-triggered, one read per wake-up: ",
            Mode::Edge,
            Reader::OneReadPerWakeup,
        ),
        (
            "edge-triggered, reads until EAGAIN:   ",
            Mode::Edge,
            Reader::UntilEagain,
        ),
    ];
    for (label, mode, reader) in readers {
        let Reading {
            wakeups,
            read,
            unread,
        } = read_loop(mode, reader)?;
        println!(
            "  {label} woken {}, read {read} bytes, {unread} bytes left unread",
            times(wakeups as u64)
        );
    }

    let delay = Duration::from_millis(200);
    println!(
        "\nwaiting {} ms for a message, with nothing to write",
        delay.as_millis()
    );
    let loops = [
        (
            "level-triggered, readable + writable:",
            Interest::BOTH,
            Mode::Level,
        ),
        (
            "level-triggered, readable only:      ",
            Interest::READABLE,
            Mode::Level,
        ),
        (
            "edge-triggered, readable + writable: ",
            Interest::BOTH,
            Mode::Edge,
        ),
    ];
    for (label, interest, mode) in loops {
        let spun = wait_for_message(interest, mode, delay)?;
        let busy = spun.cpu.as_secs_f64() / spun.elapsed.as_secs_f64() * 100.0;
        if spun.wakeups > 2 {
            let rate = spun.wakeups as f64 / spun.elapsed.as_secs_f64();
            println!(
                "  {label} woken {} /s, CPU {busy:.0} %",
                ch06_epoll::harness::units::grouped(rate, 0)
            );
        } else {
            println!(
                "  {label} woken {}, CPU {busy:.0} %",
                times(spun.wakeups)
            );
        }
    }
    Ok(())
}

fn times(n: u64) -> String {
    match n {
        1 => "once".to_string(),
        n => format!("{n} times"),
    }
}
