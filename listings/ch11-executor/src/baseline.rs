//! The two figures the executor's are compared with, measured again in the
//! same run by `costs`: chapter 1's hand-off between two OS threads (a byte
//! through two pipes), and chapter 4's bare green-thread context switch
//! (its `context` and `stack` modules, copied unchanged). Measuring code,
//! not lesson code.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::FromRawFd;
use std::time::{Duration, Instant};

use crate::context::{Context, switch};
use crate::stack::Stack;

/// The CPUs this process may run on, in order.
pub fn allowed_cpus() -> io::Result<Vec<usize>> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set for the kernel to fill.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable cpu_set_t of the size we pass.
    let result = unsafe {
        libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set)
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((0..libc::CPU_SETSIZE as usize)
        // SAFETY: CPU_ISSET only reads the set, in bounds below CPU_SETSIZE.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect())
}

/// Pins the calling thread to one CPU.
fn pin_to(cpu: usize) -> io::Result<()> {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET stays in bounds
    // for any CPU below CPU_SETSIZE (`allowed_cpus` gives no other).
    let result = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set)
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A pipe, as (write end, read end).
fn pipe() -> io::Result<(File, File)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors are fresh and owned by nobody else.
    Ok(unsafe { (File::from_raw_fd(fds[1]), File::from_raw_fd(fds[0])) })
}

/// Two OS threads pass a byte back and forth through two pipes `rounds`
/// times, one pinned to `cpu_a`, the other to `cpu_b`: `2 * rounds`
/// hand-offs, each a wake-up of the other thread.
pub fn os_handoffs(
    rounds: u64,
    cpu_a: usize,
    cpu_b: usize,
) -> io::Result<Duration> {
    let (mut to_b, mut from_a) = pipe()?;
    let (mut to_a, mut from_b) = pipe()?;
    let echo = std::thread::spawn(move || -> io::Result<()> {
        pin_to(cpu_b)?;
        let mut byte = [0u8];
        for _ in 0..rounds {
            from_a.read_exact(&mut byte)?;
            to_a.write_all(&byte)?;
        }
        Ok(())
    });
    // The measuring thread is pinned for the measurement, then let go.
    let cpus = allowed_cpus()?;
    pin_to(cpu_a)?;
    let mut byte = [0u8];
    let start = Instant::now();
    let mut result = Ok(());
    for _ in 0..rounds {
        result = to_b
            .write_all(&byte)
            .and_then(|()| from_b.read_exact(&mut byte));
        if result.is_err() {
            break;
        }
    }
    let elapsed = start.elapsed();
    unpin(&cpus)?;
    drop((to_b, from_b)); // a failed round ends the echo thread too
    echo.join()
        .map_err(|_| io::Error::other("the echo thread panicked"))??;
    result.map(|()| elapsed)
}

/// Lets the calling thread run on every CPU in `cpus` again.
fn unpin(cpus: &[usize]) -> io::Result<()> {
    // SAFETY: as in `pin_to`, for each CPU.
    let result = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &cpu in cpus {
            libc::CPU_SET(cpu, &mut set);
        }
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set)
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Two contexts switching back and forth, no scheduler in between.
struct Pair {
    main: Context,
    green: Context,
}

extern "C" fn bounce_forever(pair: usize) -> ! {
    let pair = pair as *mut Pair;
    loop {
        // SAFETY: `pair` outlives every switch into this stack (see
        // `green_switches`); the main flow is suspended while we touch it.
        unsafe { switch(&raw mut (*pair).green, &raw const (*pair).main) };
    }
}

/// `round_trips` switches into a green thread and back: `2 * round_trips`
/// context switches.
pub fn green_switches(round_trips: u64) -> io::Result<Duration> {
    let stack = Stack::new(16 * 1024)?;
    let mut pair = Pair {
        main: Context::empty(),
        green: Context::empty(),
    };
    let arg = &raw mut pair as usize;
    // SAFETY: `stack` outlives every switch into it; it is dropped (with
    // the suspended green flow on it) only after the loop.
    pair.green = unsafe { Context::new(stack.top(), bounce_forever, arg) };
    let start = Instant::now();
    for _ in 0..round_trips {
        // SAFETY: `green` is a live context on `stack`; `main` is ours.
        unsafe { switch(&raw mut pair.main, &raw const pair.green) };
    }
    Ok(start.elapsed())
}
