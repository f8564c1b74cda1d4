//! One run of the echo server with one client, traced by the runtime and
//! printed as the mermaid sequence diagram the chapter shows: what happens
//! at `listener.accept().await` and `socket.read(&mut buf).await`.
//!
//! The client is a thread of this process. It waits for the trace to show
//! the runtime asleep before each of its steps, so that every run draws
//! the same picture. (Any program of this crate prints the same kind of
//! trace, live, to standard error, when run with `REACTOR_TRACE=1`.)
//! Usage: `echo-trace`.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch12_reactor::channel;
use ch12_reactor::net::TcpListener;
use ch12_reactor::{Runtime, echo, spawn, trace};

const WAIT: Duration = Duration::from_secs(10);

/// The client: connect, send `hello`, read the echo, close, then tell the
/// main future it is done. Each step waits until the runtime sleeps.
fn client(
    addr: mpsc::Receiver<SocketAddr>,
    done: channel::Sender<()>,
) -> Result<(), String> {
    let addr = addr.recv_timeout(WAIT).map_err(|e| e.to_string())?;
    let asleep = |times| {
        let waited = trace::wait_for("epoll_wait, no timeout", times, WAIT);
        waited.then_some(()).ok_or("the runtime never slept")
    };
    asleep(1)?;
    trace::record(|| "client->>K: connect".into());
    let mut socket =
        std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(WAIT))
        .map_err(|e| e.to_string())?;
    asleep(2)?;
    trace::record(|| "client->>K: send hello".into());
    socket.write_all(b"hello").map_err(|e| e.to_string())?;
    let mut echo = [0; 5];
    socket.read_exact(&mut echo).map_err(|e| e.to_string())?;
    if &echo != b"hello" {
        return Err(format!("wrong echo: {echo:?}"));
    }
    asleep(3)?;
    trace::record(|| "client->>K: close".into());
    drop(socket);
    asleep(4)?;
    done.send(()).map_err(|_| "the runtime is gone".to_string())
}

fn main() -> Result<(), String> {
    let runtime = Runtime::new().map_err(|e| e.to_string())?;
    let (addr_tx, addr_rx) = mpsc::channel();
    let (done_tx, mut done_rx) = channel::channel();
    trace::start();
    let client = thread::Builder::new()
        .name("client".into())
        .spawn(move || client(addr_rx, done_tx))
        .map_err(|e| e.to_string())?;
    // ANCHOR: main
    let served = runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let _ = addr_tx.send(listener.local_addr()?);
        let server = spawn(async move {
            // The echo server's accept loop; it ends with the runtime.
            let _ = echo::serve(listener).await;
        });
        done_rx.recv().await;
        server.abort();
        Ok::<(), std::io::Error>(())
    });
    // ANCHOR_END: main
    let events = trace::stop();
    drop(runtime);
    if let Err(e) = client.join().map_err(|_| "the client panicked")? {
        return Err(format!("{e}; the trace so far:\n{}", events.join("\n")));
    }
    served.map_err(|e| e.to_string())?;

    println!("sequenceDiagram");
    println!("    accTitle: One echo, traced by the runtime");
    println!(
        "    accDescr: The main future binds a listener, which registers it \
         with the reactor, spawns the accept loop T0 and waits. T0 finds \
         the listener not readable and leaves its waker. With nothing to \
         run, the reactor blocks in epoll_wait. The client connects: the \
         kernel reports the listener readable, the reactor wakes T0, which \
         accepts, registers the connection, spawns its handler T1, and \
         gets EAGAIN from a second accept. The connection's first event \
         says only writable, and wakes nobody. T1 finds nothing to read \
         and leaves its waker. The client sends hello: the event \
         says readable, the reactor wakes T1, which reads 5 bytes, a \
         short read that clears the readiness, writes them back, and \
         waits again without a system call. The client closes: T1 reads \
         end of stream, deregisters and finishes. The client's wake of \
         the main future reaches the sleeping reactor through the \
         eventfd, and the main future ends the run."
    );
    let participants = [
        ("client", "client thread"),
        ("main", "main future"),
        ("T0", "T0 accept loop"),
        ("T1", "T1 connection"),
        ("E", "executor"),
        ("R", "reactor"),
        ("K", "kernel"),
    ];
    for (id, name) in participants {
        println!("    participant {id} as {name}");
    }
    for line in events.iter().flat_map(|event| event.lines()) {
        println!("    {line}");
    }
    Ok(())
}
