//! Heap or wheel? Both timer structures of the chapter, side by side, at
//! growing numbers of timers, on the same random deadlines: nanoseconds
//! per insert, per cancel, per expiry, and per re-arm (a cancel and an
//! insert, as a server does when it resets an idle timeout).
//! Usage: `timer-costs [--timers 100000] [--range 60000] [--runs 7]`.

use std::hint::black_box;
use std::task::Waker;
use std::time::Instant;

use ch13_timers::harness::{args::Args, machine, units};
use ch13_timers::rng::Rng;
use ch13_timers::time::heap::Heap;
use ch13_timers::time::wheel::Wheel;
use ch13_timers::time::{Key, TimerQueue};

/// Nanoseconds per operation.
#[derive(Clone, Copy)]
struct Costs {
    insert: f64,
    cancel: f64,
    expire: f64,
    rearm: f64,
}

// ANCHOR: measure
/// One run of the four operations on `Q`, with `ticks` as the deadlines.
fn run_once<Q: TimerQueue<Waker> + Default>(
    ticks: &[u64],
    rng: &mut Rng,
) -> Costs {
    let range = ticks.iter().copied().max().unwrap_or(1);
    let waker = Waker::noop();
    let fill = |queue: &mut Q| -> Vec<Key> {
        ticks
            .iter()
            .map(|&tick| queue.insert(tick, waker.clone()))
            .collect()
    };
    let per_op =
        |start: Instant| start.elapsed().as_nanos() as f64 / ticks.len() as f64;
    // Insert every timer into an empty structure.
    let mut queue = Q::default();
    let start = Instant::now();
    let mut keys = fill(&mut queue);
    let insert = per_op(start);

    // Re-arm: cancel a timer and set a new one, at a steady size.
    rng.shuffle(&mut keys);
    let start = Instant::now();
    for key in keys.iter_mut() {
        black_box(queue.remove(*key));
        *key = queue.insert(rng.range(1, range), waker.clone());
    }
    let rearm = per_op(start);

    // Cancel every timer, in random order.
    rng.shuffle(&mut keys);
    let start = Instant::now();
    for key in &keys {
        black_box(queue.remove(*key));
    }
    let cancel = per_op(start);
    assert!(queue.is_empty());

    // Expire every timer: sleep until the next expiration, take what is
    // due, as the runtime does.
    let mut queue = Q::default();
    fill(&mut queue);
    let start = Instant::now();
    while let Some(now) = queue.next_expiration() {
        while let Some(waker) = queue.poll(now) {
            black_box(waker);
        }
    }
    let expire = per_op(start);
    assert!(queue.is_empty());
    Costs {
        insert,
        cancel,
        expire,
        rearm,
    }
}
// ANCHOR_END: measure

/// The fastest of `runs` runs of each operation, for the heap and the
/// wheel, taking turns so that both see the machine in the same state.
fn measure(timers: usize, range: u64, runs: usize) -> (Costs, Costs) {
    let mut rng = Rng::new(42);
    let ticks: Vec<u64> = (0..timers).map(|_| rng.range(1, range)).collect();
    let slowest = Costs {
        insert: f64::MAX,
        cancel: f64::MAX,
        expire: f64::MAX,
        rearm: f64::MAX,
    };
    let (mut heap, mut wheel) = (slowest, slowest);
    for _ in 0..runs {
        heap = heap.min(run_once::<Heap<Waker>>(&ticks, &mut rng));
        wheel = wheel.min(run_once::<Wheel<Waker>>(&ticks, &mut rng));
    }
    (heap, wheel)
}

impl Costs {
    fn min(self, other: Costs) -> Costs {
        Costs {
            insert: self.insert.min(other.insert),
            cancel: self.cancel.min(other.cancel),
            expire: self.expire.min(other.expire),
            rearm: self.rearm.min(other.rearm),
        }
    }
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["timers", "range", "runs"])?;
    let max: usize = args.get_or("timers", 100_000)?;
    let range: u64 = args.get_or("range", 60_000)?;
    let runs: usize = args.get_or("runs", 7)?;
    println!("{}", machine::line());
    println!(
        "random deadlines within {} ticks, fastest of {runs} runs",
        units::grouped(range as f64, 0)
    );
    println!(
        "{:>9}  {:<8}  {:>10}  {:>10}  {:>11}",
        "timers", "op", "heap", "wheel", "heap/wheel"
    );
    let mut sizes = vec![1_000, 10_000, 100_000];
    sizes.retain(|&n| n < max);
    sizes.push(max);
    for timers in sizes {
        let (heap, wheel) = measure(timers, range, runs);
        let rows = [
            ("insert", heap.insert, wheel.insert),
            ("cancel", heap.cancel, wheel.cancel),
            ("expire", heap.expire, wheel.expire),
            ("re-arm", heap.rearm, wheel.rearm),
        ];
        for (op, heap, wheel) in rows {
            println!(
                "{:>9}  {op:<8}  {:>7} ns  {:>7} ns  {:>10}x",
                units::grouped(timers as f64, 0),
                units::grouped(heap, 1),
                units::grouped(wheel, 1),
                units::grouped(heap / wheel, 1),
            );
        }
    }
    println!(
        "memory per timer, its waker included: heap {} B, wheel {} B",
        Heap::<Waker>::bytes_per_timer(),
        Wheel::<Waker>::bytes_per_timer()
    );
    Ok(())
}
