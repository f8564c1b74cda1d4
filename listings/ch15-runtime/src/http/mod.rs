//! An HTTP/1.1 server (design notes below, to be expanded).

pub mod body;
pub mod conn;
pub mod io_traits;
pub mod limits;
pub mod permits;
pub mod replay;
pub mod request;
pub mod response;
pub mod router;
pub mod server;
pub mod status;

pub use conn::{Conn, Step};
pub use limits::Limits;
pub use request::{Request, Version};
pub use response::Response;
pub use router::{Router, demo};
pub use server::{serve, serve_connection};
pub use status::Status;
