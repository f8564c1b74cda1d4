// The async HTTP/1.1 handler, the same for every async runtime (see
// `async_serve.rs`). `blocking.rs` is the same loop without `.await`.

/// A connection's task: serves it, and logs why it ended unless the client
/// simply went away.
async fn http_connection(stream: TcpStream) {
    log_failure(http(stream).await)
}

/// Serves one keep-alive connection until the client closes it, sends what
/// this server refuses, or fails. Pipelined requests that arrive in one
/// read are answered in order. The 4 KiB input buffer lives in `requests`,
/// inside this future, inside the task.
async fn http(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut requests = Requests::new();
    loop {
        match requests.next_step() {
            Next::Reply(reply) => {
                stream.write_all(reply.bytes).await?;
                if reply.close {
                    return Ok(());
                }
            }
            Next::Read => {
                let n = stream.read(requests.unfilled()).await?;
                if n == 0 {
                    return Ok(()); // the client closed its side
                }
                requests.filled(n);
            }
        }
    }
}
