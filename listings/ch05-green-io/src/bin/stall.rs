//! One blocking read in a green thread stalls every green thread; a green
//! read does not. Usage: `stall --io blocking|green`.

use std::io;
use std::time::Duration;

use ch05_green_io::harness::machine;
use ch05_green_io::stall::{ReadWith, measure};

const TICKERS: usize = 3;
const DELAY: Duration = Duration::from_millis(200);

fn main() -> io::Result<()> {
    let read_with = match std::env::args()
        .skip_while(|a| a != "--io")
        .nth(1)
        .as_deref()
    {
        Some("blocking") => ReadWith::Blocking,
        Some("green") => ReadWith::Green,
        _ => return Err(io::Error::other("usage: stall --io blocking|green")),
    };
    println!("{}", machine::line());
    println!(
        "{TICKERS} tickers yield in a loop; 1 reader asks for a message that comes {} ms later",
        DELAY.as_millis()
    );
    let stall = measure(read_with, TICKERS, DELAY)?;
    let socket = match read_with {
        ReadWith::Blocking => "std::net::TcpStream (blocking)",
        ReadWith::Green => "net::TcpStream (green)",
    };
    println!("read with {socket}: data after {}", human(stall.read_took));
    println!(
        "a ticker's wait between two turns: {} on average, {:.1} ms at most",
        human(stall.mean_gap),
        stall.longest_gap.as_secs_f64() * 1e3
    );
    Ok(())
}

/// Milliseconds, or microseconds below one millisecond. (Only for values far
/// from 1 ms, so that the unit a run prints does not change between runs.)
fn human(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{:.1} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    }
}
