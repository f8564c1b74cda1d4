//! The client side of the demos: connect, send one message, await its echo.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A generous limit for things that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Connects with a timeout on the connect and on every later read and write.
pub fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends `message` and checks that exactly it comes back.
pub fn round_trip(stream: &mut TcpStream, message: &[u8]) -> io::Result<()> {
    stream.write_all(message)?;
    read_echo(stream, message)
}

/// Reads `message.len()` bytes and checks they are `message`.
pub fn read_echo(stream: &mut TcpStream, message: &[u8]) -> io::Result<()> {
    let mut echo = vec![0u8; message.len()];
    stream.read_exact(&mut echo)?;
    if echo != message {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            "echo differs from message",
        ));
    }
    Ok(())
}

/// Whether `e` is a read or write that ran out of time.
pub fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Whether `e` means the server closed the connection.
pub fn closed_by_peer(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::UnexpectedEof
            | ErrorKind::ConnectionReset
            | ErrorKind::BrokenPipe
    )
}
