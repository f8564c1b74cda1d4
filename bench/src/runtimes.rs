//! One module per async runtime. Each brings its runtime's names into
//! scope and includes the same handler files (`handlers/async_*.rs`), so
//! every async runtime runs identical source; only how the runtime is built
//! differs.
//!
//! Our runtime joins as `on_ours`, built the same way (today with chapter
//! 12's crate, one thread; chapter 15's replaces it, and adds workers):
//!
//! ```text
//! pub mod on_ours {
//!     use crate::handlers::*;
//!     use ch15_runtime::io::{AsyncReadExt, AsyncWriteExt};
//!     use ch15_runtime::net::{TcpListener, TcpStream};
//!     use ch15_runtime::spawn;
//!     use ch15_runtime::time::sleep;
//!     include!("handlers/async_serve.rs");
//!     include!("handlers/async_http.rs");
//!     include!("handlers/async_echo.rs");
//!     include!("handlers/async_tasks.rs");
//!     // runtime(): ch15_runtime::runtime::Builder::new_current_thread()
//!     //     or ::new_multi_thread(), then .build()
//! }
//! ```

use std::io;

/// One thread runs every task, or a pool of worker threads does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    CurrentThread,
    MultiThread,
}

/// tokio, with the handlers every async runtime shares.
pub mod on_tokio {
    use super::Flavor;
    use crate::handlers::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::spawn;
    use tokio::time::sleep;

    include!("handlers/async_serve.rs");
    include!("handlers/async_http.rs");
    include!("handlers/async_echo.rs");
    include!("handlers/async_tasks.rs");

    /// A tokio runtime of the given flavor, with its I/O and time drivers.
    /// The multi-threaded one has tokio's default worker count: one per
    /// CPU.
    pub fn runtime(flavor: Flavor) -> io::Result<tokio::runtime::Runtime> {
        let mut builder = match flavor {
            Flavor::CurrentThread => {
                tokio::runtime::Builder::new_current_thread()
            }
            Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
        };
        builder.enable_all().build()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// A connection's task holds its 4 KiB buffer once, plus a little
        /// state: the task the idle-memory figures count.
        #[test]
        fn a_connection_task_holds_one_buffer() {
            let runtime = runtime(Flavor::CurrentThread).unwrap();
            runtime.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let a = TcpStream::connect(addr).await.unwrap();
                let b = TcpStream::connect(addr).await.unwrap();
                let sizes = [
                    std::mem::size_of_val(&echo_connection(a)),
                    std::mem::size_of_val(&http_connection(b)),
                ];
                for size in sizes {
                    assert!(
                        (BUF_SIZE..BUF_SIZE + 256).contains(&size),
                        "{size} bytes"
                    );
                }
            });
        }
    }
}

/// Our runtime, one thread, with the same handlers. For now it is chapter
/// 12's crate (a reactor under chapter 11's executor); chapter 15's crate
/// takes its place with the same names.
pub mod on_ours {
    use crate::handlers::*;
    use ch12_reactor::io::{AsyncReadExt, AsyncWriteExt};
    use ch12_reactor::net::{TcpListener, TcpStream};
    use ch12_reactor::spawn;
    use ch12_reactor::time::sleep;

    include!("handlers/async_serve.rs");
    include!("handlers/async_http.rs");
    include!("handlers/async_echo.rs");
    include!("handlers/async_tasks.rs");

    /// Our current-thread runtime, built as tokio's is.
    pub fn runtime() -> io::Result<ch12_reactor::Runtime> {
        ch12_reactor::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The same futures as on tokio: one 4 KiB buffer and a little
        /// state.
        #[test]
        fn a_connection_task_holds_one_buffer() {
            let runtime = runtime().unwrap();
            runtime.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let a = TcpStream::connect(addr).await.unwrap();
                let b = TcpStream::connect(addr).await.unwrap();
                let sizes = [
                    std::mem::size_of_val(&echo_connection(a)),
                    std::mem::size_of_val(&http_connection(b)),
                ];
                for size in sizes {
                    assert!(
                        (BUF_SIZE..BUF_SIZE + 256).contains(&size),
                        "{size} bytes"
                    );
                }
            });
        }
    }
}

/// Serves `service` on `addr` with our runtime, one thread, forever.
pub fn serve_ours(
    service: crate::servers::Service,
    addr: std::net::SocketAddr,
) -> io::Result<()> {
    on_ours::runtime()?.block_on(on_ours::listen_and_serve(addr, service))
}

/// Nanoseconds per spawn and per hand-off on our runtime, one thread.
pub fn ours_task_costs(
    spawns: usize,
    handoffs: usize,
) -> io::Result<(f64, f64)> {
    Ok(on_ours::runtime()?.block_on(on_ours::task_costs(spawns, handoffs)))
}

/// Serves `service` on `addr` with tokio of the given flavor, forever.
pub fn serve_tokio(
    flavor: Flavor,
    service: crate::servers::Service,
    addr: std::net::SocketAddr,
) -> io::Result<()> {
    on_tokio::runtime(flavor)?
        .block_on(on_tokio::listen_and_serve(addr, service))
}

/// Nanoseconds per spawn and per hand-off on tokio of the given flavor.
pub fn tokio_task_costs(
    flavor: Flavor,
    spawns: usize,
    handoffs: usize,
) -> io::Result<(f64, f64)> {
    Ok(on_tokio::runtime(flavor)?
        .block_on(on_tokio::task_costs(spawns, handoffs)))
}
