//! What the cooperative budget buys, and what it costs. A hog task reads
//! 16-byte pieces from a socket that a thread keeps full, so that no read
//! ever meets `EAGAIN`; meanwhile a timer task asks to sleep 10 ms. On a
//! runtime with one thread for tasks, the timer's task can only run when
//! the hog's poll returns. Each flavour runs the hog twice: within the
//! budget, and with the budget lifted for the hog's polls, as if the
//! runtime had none. Build with `--release`. Usage:
//! `runtime-coop [--hog-ms 300]`.

use std::future::{Future, poll_fn};
use std::io::Write;
use std::pin::pin;
use std::thread;
use std::time::{Duration, Instant};

use ch15_runtime::coop::{self, Budget};
use ch15_runtime::harness::args::Args;
use ch15_runtime::harness::machine;
use ch15_runtime::io::AsyncReadExt;
use ch15_runtime::net::{TcpListener, TcpStream};
use ch15_runtime::runtime::{Builder, Runtime};
use ch15_runtime::{sleep, spawn};

/// A socket whose peer, a thread, keeps it full until it is dropped.
async fn always_ready() -> std::io::Result<TcpStream> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        let Ok(mut peer) = std::net::TcpStream::connect(addr) else {
            return;
        };
        let _ = peer.set_write_timeout(Some(Duration::from_secs(5)));
        let chunk = [7u8; 64 * 1024];
        // Ends when the hog drops its socket (a reset) or stalls.
        while peer.write_all(&chunk).is_ok() {}
    });
    let (socket, _) = listener.accept().await?;
    Ok(socket)
}

// ANCHOR: unbudgeted
/// Polls `future` with no budget: every resource it touches proceeds.
async fn unbudgeted<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    poll_fn(|cx| {
        coop::with_budget(Budget::unconstrained(), || future.as_mut().poll(cx))
    })
    .await
}
// ANCHOR_END: unbudgeted

/// Reads 16-byte pieces for `hog_for`; returns the bytes read.
async fn hog(mut socket: TcpStream, hog_for: Duration) -> u64 {
    let start = Instant::now();
    let mut piece = [0u8; 16];
    let mut bytes = 0;
    while start.elapsed() < hog_for {
        if socket.read_exact(&mut piece).await.is_err() {
            break;
        }
        bytes += piece.len() as u64;
    }
    bytes
}

/// One run: when the timer's task ran, and the hog's rate in MB/s.
fn run(runtime: &Runtime, budget: bool, hog_for: Duration) -> (f64, f64) {
    runtime.block_on(async move {
        let socket = always_ready().await.expect("a loopback socket");
        let start = Instant::now();
        let hog = if budget {
            spawn(hog(socket, hog_for))
        } else {
            spawn(unbudgeted(hog(socket, hog_for)))
        };
        let timer = spawn(async move {
            sleep(Duration::from_millis(10)).await;
            start.elapsed()
        });
        let fired = timer.await.expect("the timer task cannot fail");
        let bytes = hog.await.expect("the hog cannot fail");
        let mb_per_s = bytes as f64 / start.elapsed().as_secs_f64() / 1e6;
        (fired.as_secs_f64() * 1e3, mb_per_s)
    })
}

fn main() -> Result<(), String> {
    let args = Args::from_env(&["hog-ms"])?;
    let hog_for = Duration::from_millis(args.get_or("hog-ms", 300)?);
    println!("{}", machine::line());
    println!(
        "a hog reads an always-full socket for {} ms; a timer asks for 10 ms",
        hog_for.as_millis()
    );
    let flavours = [
        ("current-thread", Builder::new_current_thread().build()),
        (
            "multi-thread, 1 worker",
            Builder::new_multi_thread().worker_threads(1).build(),
        ),
    ];
    for (name, runtime) in flavours {
        let runtime = runtime.map_err(|e| format!("{name}: {e}"))?;
        println!("{name}:");
        for (label, budget) in [("with the budget", true), ("without", false)] {
            let (fired, rate) = run(&runtime, budget, hog_for);
            println!(
                "  {label:<16} timer ran after {fired:.1} ms, the hog read \
                 {rate:.0} MB/s"
            );
        }
    }
    Ok(())
}
