//! A blocking read stalls the other green threads; a green read does not.
//! The margins are wide: this checks behaviour, it is not a benchmark.

use std::time::Duration;

use ch05_green_io::stall::{ReadWith, measure};

const DELAY: Duration = Duration::from_millis(200);

#[test]
fn a_blocking_read_stalls_every_green_thread() {
    let stall = measure(ReadWith::Blocking, 3, DELAY).expect("experiment");
    assert!(stall.read_took >= DELAY, "{:?}", stall.read_took);
    assert!(
        stall.longest_gap >= DELAY * 3 / 4,
        "{:?}",
        stall.longest_gap
    );
}

#[test]
fn a_green_read_parks_only_its_own_thread() {
    let stall = measure(ReadWith::Green, 3, DELAY).expect("experiment");
    assert!(stall.read_took >= DELAY, "{:?}", stall.read_took);
    // Thousands of turns while the read waited. (Not the longest gap: on a
    // busy machine the OS may stop our whole OS thread for a while.)
    assert!(stall.mean_gap < DELAY / 100, "{:?}", stall.mean_gap);
}
