//! One module per async runtime. Each brings its runtime's names into
//! scope and includes the same handler files (`handlers/async_*.rs`), so
//! every async runtime runs identical source; only how the runtime is built
//! differs: `on_tokio` with tokio's `Builder`, `on_ours` with chapter 15's,
//! which has the same two flavours behind the same names.

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

/// Our runtime, chapter 15's, with the same handlers.
pub mod on_ours {
    use super::Flavor;
    use crate::handlers::*;
    use ch15_runtime::io::{AsyncReadExt, AsyncWriteExt};
    use ch15_runtime::net::{TcpListener, TcpStream};
    use ch15_runtime::spawn;
    use ch15_runtime::time::sleep;

    include!("handlers/async_serve.rs");
    include!("handlers/async_http.rs");
    include!("handlers/async_echo.rs");
    include!("handlers/async_tasks.rs");

    /// Our runtime of the given flavor, built as tokio's is. The
    /// multi-threaded one has the same default worker count: one per CPU.
    pub fn runtime(flavor: Flavor) -> io::Result<ch15_runtime::Runtime> {
        let mut builder = match flavor {
            Flavor::CurrentThread => {
                ch15_runtime::Builder::new_current_thread()
            }
            Flavor::MultiThread => ch15_runtime::Builder::new_multi_thread(),
        };
        builder.enable_all().build()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The same futures as on tokio: one 4 KiB buffer and a little
        /// state.
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

/// Serves `service` on `addr` with our runtime of the given flavor,
/// forever.
pub fn serve_ours(
    flavor: Flavor,
    service: crate::servers::Service,
    addr: std::net::SocketAddr,
) -> io::Result<()> {
    on_ours::runtime(flavor)?.block_on(on_ours::listen_and_serve(addr, service))
}

/// Nanoseconds per spawn and per hand-off on our runtime of the given
/// flavor.
pub fn ours_task_costs(
    flavor: Flavor,
    spawns: usize,
    handoffs: usize,
) -> io::Result<(f64, f64)> {
    Ok(on_ours::runtime(flavor)?
        .block_on(on_ours::task_costs(spawns, handoffs)))
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
