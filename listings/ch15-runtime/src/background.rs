//! An echo server on a thread of its own, for tests and measurements that
//! need the server in their process: its address, and on request what its
//! runtime holds and which system calls its thread has made. Dropping it
//! stops the server and joins the thread.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::channel;
use crate::count::{self, Counts};
use crate::net::TcpListener;
use crate::runtime::{Builder, Metrics};

/// What the server's runtime reports.
#[derive(Clone, Copy, Debug)]
pub struct Figures {
    /// Tasks alive: the accept loop and one per open connection.
    pub live_tasks: usize,
    /// Sockets registered with the reactor: the listener and one per open
    /// connection.
    pub registrations: usize,
    /// The system calls the runtime's thread has made.
    pub counts: Counts,
    pub metrics: Metrics,
}

enum Request {
    Figures(mpsc::Sender<Figures>),
}

pub struct Background {
    addr: SocketAddr,
    requests: Option<channel::Sender<Request>>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// Serves with `serve` (given the bound listener) on a runtime made by
    /// `builder`, on a new thread, listening on `127.0.0.1:0`.
    pub fn start<S, F>(mut builder: Builder, serve: S) -> io::Result<Background>
    where
        S: FnOnce(TcpListener) -> F + Send + 'static,
        F: Future + Send + 'static,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        crate::net::socket::listen(&listener)?;
        let addr = listener.local_addr()?;
        let (requests, mut incoming) = channel::channel::<Request>();
        let (started_tx, started) = mpsc::channel();
        let thread =
            thread::Builder::new()
                .name("server".into())
                .spawn(move || {
                    let runtime = match builder.build() {
                        Ok(runtime) => runtime,
                        Err(e) => return drop(started_tx.send(Err(e))),
                    };
                    runtime.block_on(async {
                        let listener = match TcpListener::from_std(listener) {
                            Ok(listener) => listener,
                            Err(e) => return drop(started_tx.send(Err(e))),
                        };
                        let _ = started_tx.send(Ok(()));
                        let serving = serve(listener);
                        let server = crate::spawn(async move {
                            // What the server returns (an error from a broken
                            // listener) ends its task; the figures tell.
                            let _ = serving.await;
                        });
                        // The main future answers requests until the last
                        // sender is gone, then stops the server.
                        while let Some(Request::Figures(reply)) =
                            incoming.recv().await
                        {
                            let _ = reply.send(Figures {
                                live_tasks: runtime.live_tasks(),
                                registrations: runtime.registrations(),
                                counts: count::snapshot(),
                                metrics: runtime.metrics(),
                            });
                        }
                        server.abort();
                    });
                })?;
        let started = started
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| io::Error::other("the server did not start"))?;
        started?;
        Ok(Background {
            addr,
            requests: Some(requests),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The runtime's figures now.
    pub fn figures(&self) -> io::Result<Figures> {
        let (reply, answer) = mpsc::channel();
        let requests = self.requests.as_ref().expect("only None in drop");
        requests
            .send(Request::Figures(reply))
            .map_err(|_| io::Error::other("the server has stopped"))?;
        answer
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| io::Error::other("the server did not answer"))
    }

    /// Waits until the figures satisfy `done`, or `timeout` passes; returns
    /// the last figures read.
    pub fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&Figures) -> bool,
    ) -> io::Result<Figures> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let figures = self.figures()?;
            if done(&figures) || std::time::Instant::now() >= deadline {
                return Ok(figures);
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
