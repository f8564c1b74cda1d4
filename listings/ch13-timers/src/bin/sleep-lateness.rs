//! How late does a wait end? The kernel's four ways to wait a given time,
//! then this runtime's `sleep` on an idle and on a busy runtime, beside
//! `thread::sleep` and chapter 11's timer thread; what each sleep costs
//! the process in CPU time and context switches; and what an idle runtime
//! without timers costs. Every wait is a random 0.1 to 2 ms.
//! Usage: `sleep-lateness [--waits 300]`.

use std::io::{self, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch13_timers::harness::{args::Args, machine, units};
use ch13_timers::net::TcpListener;
use ch13_timers::rng::Rng;
use ch13_timers::sys::cvt;
use ch13_timers::time::{self, helper};
use ch13_timers::{Runtime, client, idle_echo, trace, usage, yield_now};

/// The waits every row is measured with: the same random durations.
fn waits(count: usize) -> Vec<Duration> {
    let mut rng = Rng::new(2024);
    (0..count)
        .map(|_| Duration::from_micros(rng.range(100, 2_000)))
        .collect()
}

/// p50, p99 and the maximum of `late`, in microseconds.
fn row(label: &str, mut late: Vec<Duration>) {
    late.sort_unstable();
    let at = |q: f64| late[((late.len() - 1) as f64 * q).round() as usize];
    let us = |d: Duration| units::grouped(d.as_secs_f64() * 1e6, 0);
    println!(
        "  {label:<40} {:>7} µs {:>7} µs {:>7} µs",
        us(at(0.5)),
        us(at(0.99)),
        us(late[late.len() - 1])
    );
}

/// How late each wait of `waits` ended when `wait` waited it.
fn lateness(
    waits: &[Duration],
    mut wait: impl FnMut(Duration),
) -> Vec<Duration> {
    waits
        .iter()
        .map(|&d| {
            let start = Instant::now();
            wait(d);
            start.elapsed().saturating_sub(d)
        })
        .collect()
}

// ANCHOR: kernel
/// The kernel's ways to wait `d`, each as the runtime could use it.
struct Kernel {
    epoll: OwnedFd,
    timer: OwnedFd,
}

impl Kernel {
    fn new() -> io::Result<Kernel> {
        // SAFETY: no pointers; the result is checked.
        let epoll = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: a new descriptor that nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(epoll) };
        let flags = libc::TFD_CLOEXEC | libc::TFD_NONBLOCK;
        // SAFETY: no pointers; the result is checked.
        let timer =
            cvt(unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, flags) })?;
        // SAFETY: as above.
        let timer = unsafe { OwnedFd::from_raw_fd(timer) };
        let mut event = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET) as u32,
            u64: 0,
        };
        // SAFETY: `event` is live for the call, which copies it.
        cvt(unsafe {
            libc::epoll_ctl(
                epoll.as_raw_fd(),
                libc::EPOLL_CTL_ADD,
                timer.as_raw_fd(),
                &mut event,
            )
        })?;
        Ok(Kernel { epoll, timer })
    }

    /// `epoll_wait` with the timeout in whole milliseconds, rounded up (the
    /// runtime's way).
    fn epoll_wait(&self, d: Duration) {
        let ms = d.as_nanos().div_ceil(1_000_000) as libc::c_int;
        let mut event = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: room for one event, and we say so.
        unsafe { libc::epoll_wait(self.epoll.as_raw_fd(), &mut event, 1, ms) };
    }

    /// `epoll_pwait2` (Linux 5.11): the timeout in nanoseconds.
    fn epoll_pwait2(&self, d: Duration) -> io::Result<()> {
        let timeout = timespec(d);
        let mut event = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: room for one event; `timeout` is live for the call; no
        // signal mask.
        let ret = unsafe {
            libc::epoll_pwait2(
                self.epoll.as_raw_fd(),
                &mut event,
                1,
                &timeout,
                std::ptr::null(),
            )
        };
        cvt(ret).map(drop)
    }

    /// A timerfd armed for `d`, then `epoll_wait` with no timeout: the
    /// timerfd's expiry is the event that ends it.
    fn timerfd(&self, d: Duration) {
        let spec = libc::itimerspec {
            it_interval: timespec(Duration::ZERO),
            it_value: timespec(d),
        };
        // SAFETY: `spec` is live for the call; no old value wanted.
        unsafe {
            libc::timerfd_settime(
                self.timer.as_raw_fd(),
                0,
                &spec,
                std::ptr::null_mut(),
            )
        };
        let mut event = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: room for one event.
        unsafe { libc::epoll_wait(self.epoll.as_raw_fd(), &mut event, 1, -1) };
    }
}
// ANCHOR_END: kernel

fn timespec(d: Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: d.as_secs() as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    }
}

/// CPU time and context switches of the whole process so far.
fn process_usage() -> (Duration, u64) {
    // SAFETY: an all-zero `rusage` is valid; `getrusage` fills it in.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is live and writable for the call.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let cpu = usage::process_cpu().unwrap_or_default();
    (cpu, (ru.ru_nvcsw + ru.ru_nivcsw) as u64)
}

// ANCHOR: sleeps
/// Sleeps each of `waits` in turn in a task of `runtime`, with `sleep`:
/// how late each ended, and the process's CPU time and context switches
/// per sleep.
fn runtime_sleeps<F>(
    runtime: &Runtime,
    waits: &[Duration],
    sleep: impl Fn(Duration) -> F,
) -> (Vec<Duration>, Duration, f64)
where
    F: Future<Output = ()>,
{
    runtime.block_on(async {
        let (cpu, switches) = process_usage();
        let mut late = Vec::with_capacity(waits.len());
        for &d in waits {
            let start = Instant::now();
            sleep(d).await;
            late.push(start.elapsed().saturating_sub(d));
        }
        let (cpu_after, switches_after) = process_usage();
        let n = waits.len() as u32;
        let per_switch = (switches_after - switches) as f64 / n as f64;
        (late, (cpu_after - cpu) / n, per_switch)
    })
}
// ANCHOR_END: sleeps

// ANCHOR: busy
/// Makes `runtime` busy until the returned flag is set: 20 tasks that
/// each compute for 25 µs and yield, over and over (a round of them takes
/// about half a millisecond), and an echo server with a client thread
/// that sends on 4 connections without a pause.
fn make_busy(
    runtime: &Runtime,
) -> io::Result<(Arc<AtomicBool>, thread::JoinHandle<()>)> {
    let stop = Arc::new(AtomicBool::new(false));
    for _ in 0..20 {
        let stop = Arc::clone(&stop);
        runtime.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let start = Instant::now();
                while start.elapsed() < Duration::from_micros(25) {
                    std::hint::spin_loop();
                }
                yield_now().await;
            }
        });
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let listener =
        runtime.block_on(async { TcpListener::from_std(listener) })?;
    runtime.spawn(async move {
        let _ = idle_echo::serve(listener, Duration::from_secs(10)).await;
    });
    let client_stop = Arc::clone(&stop);
    let client = thread::spawn(move || {
        let connect = || client::connect(addr, Duration::from_secs(5));
        let Ok(mut streams) = (0..4)
            .map(|_| connect())
            .collect::<io::Result<Vec<TcpStream>>>()
        else {
            return;
        };
        while !client_stop.load(Ordering::Relaxed) {
            for stream in &mut streams {
                if client::round_trip(stream, b"tick").is_err() {
                    return;
                }
            }
        }
    });
    Ok((stop, client))
}
// ANCHOR_END: busy

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::from_env(&["waits"])?;
    let count: usize = args.get_or("waits", 300)?;
    let waits = waits(count);
    println!("{}", machine::line());
    println!("{count} waits of 0.1 to 2 ms each: how late each one ended");
    println!("  {:<40} {:>10} {:>10} {:>10}", "", "p50", "p99", "max");

    println!("the kernel's ways to wait, on one thread:");
    let kernel = Kernel::new()?;
    row("thread::sleep (nanosleep)", lateness(&waits, thread::sleep));
    row(
        "epoll_wait, timeout in ms rounded up",
        lateness(&waits, |d| kernel.epoll_wait(d)),
    );
    match kernel.epoll_pwait2(Duration::ZERO) {
        Ok(()) => row(
            "epoll_pwait2, timeout in ns",
            lateness(&waits, |d| drop(kernel.epoll_pwait2(d))),
        ),
        Err(e) => println!("  epoll_pwait2: {e} (Linux 5.11 and later)"),
    }
    row(
        "a timerfd, then epoll_wait",
        lateness(&waits, |d| kernel.timerfd(d)),
    );

    println!("this runtime's sleep (a wheel of 1 ms ticks):");
    let runtime = Runtime::new()?;
    let (idle, idle_cpu, idle_switches) =
        runtime_sleeps(&runtime, &waits, time::sleep);
    row("idle runtime", idle);
    let helper_timer = helper::Timer::new();
    let helper = {
        let _enter = helper_timer.enter();
        runtime_sleeps(&runtime, &waits, helper::sleep)
    };
    drop(helper_timer);
    let (stop, client) = make_busy(&runtime)?;
    let beside = thread::spawn({
        let waits = waits.clone();
        move || lateness(&waits, thread::sleep)
    });
    let (busy, _, _) = runtime_sleeps(&runtime, &waits, time::sleep);
    stop.store(true, Ordering::Relaxed);
    // The client's last round trip needs the server: run it until the
    // client has stopped.
    runtime.block_on(async {
        while !client.is_finished() {
            time::sleep(Duration::from_millis(1)).await;
        }
    });
    client.join().map_err(|_| "the client panicked")?;
    drop(runtime);
    let beside = beside.join().map_err(|_| "the sleeping thread panicked")?;
    row("busy runtime: 20 spinning tasks, 4 echoes", busy);
    row("thread::sleep, beside the busy runtime", beside);

    println!("chapter 11's timer thread, on an idle runtime:");
    row("its sleep", helper.0);
    println!("each sleep of an idle runtime cost the process:");
    println!(
        "  timers in the event loop: {} µs of CPU, {}x context switches",
        units::grouped(idle_cpu.as_secs_f64() * 1e6, 1),
        units::grouped(idle_switches, 2)
    );
    println!(
        "  chapter 11's timer thread: {} µs of CPU, {}x context switches",
        units::grouped(helper.1.as_secs_f64() * 1e6, 1),
        units::grouped(helper.2, 2)
    );

    // ANCHOR: idle
    let runtime = Runtime::new()?;
    let (wake, woken) = ch13_timers::oneshot::channel::<()>();
    let waker = thread::spawn(move || {
        thread::sleep(Duration::from_secs(1));
        wake.send(());
    });
    trace::start();
    let (cpu, _) = process_usage();
    let slept = Instant::now();
    runtime
        .block_on(woken)
        .map_err(|_| "the waking thread vanished")?;
    let (cpu_after, _) = process_usage();
    let slept = slept.elapsed();
    let waits = trace::stop();
    waker.join().map_err(|_| "the waking thread panicked")?;
    let untimed = waits.iter().any(|e| e.ends_with("epoll_wait, no timeout"));
    let share = (cpu_after - cpu).as_secs_f64() / slept.as_secs_f64();
    println!(
        "an idle runtime without timers, for {:.1} s: {} % CPU, {}",
        slept.as_secs_f64(),
        units::grouped(share * 100.0, 2),
        if untimed {
            "asleep in epoll_wait with no timeout"
        } else {
            "ASLEEP WITH A TIMEOUT"
        }
    );
    // ANCHOR_END: idle
    io::stdout().flush()?;
    Ok(())
}
