// The async echo handler, the same for every async runtime (see
// `async_serve.rs`): chapter 3's `echo` with `.await` after each call.

/// Echoes until the client closes its side, from a 4 KiB buffer that lives
/// inside this future, inside the task.
async fn echo_connection(mut stream: TcpStream) -> io::Result<()> {
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
