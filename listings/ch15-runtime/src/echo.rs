//! The echo server of tokio's README, on this runtime: the accept loop
//! exactly as `src/bin/reactor-echo.rs` has it (a test compares the two),
//! taking its listener from the caller so that tests and measurements can
//! bind port 0.

use std::error::Error;

use crate as tokio;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves until the listener fails.
pub async fn serve(listener: TcpListener) -> Result<(), Box<dyn Error>> {
    // ANCHOR: loop
    loop {
        let (mut socket, _) = listener.accept().await?;

        tokio::spawn(async move {
            let mut buf = [0; 1024];

            // In a loop, read data from the socket and write the data back.
            loop {
                let n = match socket.read(&mut buf).await {
                    // socket closed
                    Ok(0) => return,
                    Ok(n) => n,
                    Err(e) => {
                        eprintln!("failed to read from socket; err = {:?}", e);
                        return;
                    }
                };

                // Write the data back
                if let Err(e) = socket.write_all(&buf[0..n]).await {
                    eprintln!("failed to write to socket; err = {:?}", e);
                    return;
                }
            }
        });
    }
    // ANCHOR_END: loop
}
