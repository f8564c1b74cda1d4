//! TCP for tasks: [`TcpListener`] and [`TcpStream`], tokio's names and
//! methods, on the reactor. Every operation is a non-blocking system call
//! made when the reactor says the socket is ready; one that would block
//! leaves the task's waker with the reactor and returns `Pending`.

mod listener;
#[doc(hidden)]
pub mod socket;
mod stream;

pub use listener::TcpListener;
pub use stream::TcpStream;
