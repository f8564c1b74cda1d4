//! Predict the output: "hello" waits in a socket; a task reads it through
//! a 3-byte buffer, and counts the `read` system calls its thread makes.

use std::io::Write;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ch12_reactor::count::{self, Syscall};
use ch12_reactor::io::AsyncReadExt;
use ch12_reactor::net::TcpStream;

fn main() -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    let (socket, _) = listener.accept()?;
    peer.write_all(b"hello")?;
    ch12_reactor::block_on(async move {
        let mut socket = TcpStream::from_std(socket)?;
        let reads = || count::snapshot().get(Syscall::Read);
        let mut buf = [0; 3];
        let n = socket.read(&mut buf).await?;
        println!("got {n} bytes, read calls: {}", reads());
        let n = socket.read(&mut buf).await?;
        println!("got {n} bytes, read calls: {}", reads());
        let mut cx = Context::from_waker(Waker::noop());
        let third = pin!(socket.read(&mut buf)).poll(&mut cx);
        let pending = matches!(third, Poll::Pending);
        println!("pending: {pending}, read calls: {}", reads());
        Ok(())
    })
}
