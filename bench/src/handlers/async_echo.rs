// The async echo handler, the same for every async runtime (see
// `async_serve.rs`): chapter 3's `echo` with `.await` after each call.

/// A connection's task: echoes, and logs why it ended unless the client
/// simply went away.
async fn echo_connection(stream: TcpStream) {
    log_failure(echo(stream).await)
}

/// Echoes until the client closes its side, from a 4 KiB buffer that lives
/// inside this future, inside the task.
async fn echo(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = [0u8; BUF_SIZE];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}
