//! Starting a loop: on the calling thread until the process ends (the
//! binaries, the benchmark), or on a thread of its own that stops when
//! dropped (the tests).

use std::io;
use std::net::{TcpListener, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use crate::event_loop::{EventLoop, Handle, Stats};
use crate::protocol::Config;
use crate::sys::cvt;
use crate::{echo, files, http};

/// Binds a listening socket with a long accept queue (std listens with a
/// backlog of 128, which a burst of connects overflows).
pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(addr)?;
    // SAFETY: listen on a descriptor the listener owns; no pointers. The
    // kernel caps SOMAXCONN at net.core.somaxconn.
    cvt(unsafe { libc::listen(listener.as_raw_fd(), libc::SOMAXCONN) })?;
    Ok(listener)
}

/// Serves hello-world HTTP/1.1 on `listener` from a new event loop on this
/// thread, until the process ends or the loop fails.
pub fn serve_http(listener: TcpListener) -> io::Result<()> {
    let mut lp = EventLoop::new()?;
    http::serve(&mut lp, listener)?;
    lp.run()
}

/// Serves echo on `listener` from a new event loop on this thread.
pub fn serve_echo(listener: TcpListener) -> io::Result<()> {
    let mut lp = EventLoop::new()?;
    echo::serve(&mut lp, listener)?;
    lp.run()
}

/// Serves files on `listener` from a new event loop on this thread.
pub fn serve_files(listener: TcpListener, config: Config) -> io::Result<()> {
    let mut lp = EventLoop::new()?;
    files::serve(&mut lp, listener, config)?;
    lp.run()
}

/// An event loop running on a thread of its own. Dropping it stops the
/// loop and waits for the thread.
pub struct Running {
    handle: Handle,
    thread: Option<JoinHandle<io::Result<Stats>>>,
}

impl Running {
    /// Builds a loop on a new thread (a loop holds `Rc`s, so it cannot be
    /// moved there), lets `setup` register its callbacks, and runs it.
    /// Returns once `setup` has, with its error if it failed.
    pub fn spawn(
        setup: impl FnOnce(&mut EventLoop) -> io::Result<()> + Send + 'static,
    ) -> io::Result<Running> {
        let (ready, set_up) = mpsc::channel();
        let thread = thread::Builder::new().name("event-loop".into()).spawn(
            move || {
                let mut lp = match EventLoop::new()
                    .and_then(|mut lp| setup(&mut lp).map(|()| lp))
                {
                    Ok(lp) => lp,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return Err(io::Error::other("setup failed"));
                    }
                };
                let _ = ready.send(Ok(lp.handle()));
                lp.run()?;
                Ok(lp.stats())
            },
        )?;
        match set_up.recv() {
            Ok(Ok(handle)) => Ok(Running {
                handle,
                thread: Some(thread),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(io::Error::other("the loop's thread failed")),
        }
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Stops the loop; what it returned, with its counters.
    pub fn stop(mut self) -> io::Result<Stats> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> io::Result<Stats> {
        self.handle.stop();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the loop's thread panicked")),
            None => Err(io::Error::other("stopped already")),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.stop_and_join();
        }
    }
}

/// [`serve_http`] on a thread of its own.
pub fn spawn_http(listener: TcpListener) -> io::Result<Running> {
    Running::spawn(move |lp| http::serve(lp, listener).map(drop))
}

/// [`serve_echo`] on a thread of its own.
pub fn spawn_echo(listener: TcpListener) -> io::Result<Running> {
    Running::spawn(move |lp| echo::serve(lp, listener).map(drop))
}

/// [`serve_files`] on a thread of its own.
pub fn spawn_files(
    listener: TcpListener,
    config: Config,
) -> io::Result<Running> {
    Running::spawn(move |lp| files::serve(lp, listener, config).map(drop))
}
