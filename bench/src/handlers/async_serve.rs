// The accept loop every async runtime runs. Included into one module per
// runtime (see `runtimes.rs`), which brings in that runtime's
// `TcpListener`, `TcpStream`, `spawn` and `sleep`; everything else comes
// from `handlers/mod.rs`.

/// Binds `addr`, tells the bench where it listens, and serves `service`
/// until the listening socket itself fails.
pub async fn listen_and_serve(
    addr: SocketAddr,
    service: Service,
) -> io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    announce(listener.local_addr()?)?;
    match service {
        Service::Http => serve(listener, http_connection).await,
        Service::Echo => serve(listener, echo_connection).await,
    }
}

/// Accepts connections until the listener fails, each served by a task of
/// its own running `handler`. One client's failure never ends the loop:
/// out of descriptors, it backs off (the pending connections wait in the
/// backlog) and carries on; a connection that died before it was accepted
/// is skipped.
///
/// The task is the handler's future itself. Wrapping it here
/// (`spawn(async move { log(connection.await) })`) would double the task:
/// the wrapper keeps the captured, not yet started future and the one it
/// awaits in separate fields, 4 KiB of buffer each.
async fn serve<H, F>(listener: TcpListener, handler: H) -> io::Result<()>
where
    H: Fn(TcpStream) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let mut starved = false;
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                starved = false;
                spawn(handler(stream));
            }
            Err(e) => match classify(&e) {
                AcceptFailure::OutOfResources => {
                    if !starved {
                        eprintln!("accept: {e}; backing off");
                        starved = true;
                    }
                    sleep(BACKOFF).await;
                }
                AcceptFailure::ThisConnection => {}
                AcceptFailure::Listener => return Err(e),
            },
        }
    }
}
