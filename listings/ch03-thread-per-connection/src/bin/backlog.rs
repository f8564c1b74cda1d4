//! Predict the output: three clients connect and send before the server
//! calls `accept` for the first time.

use std::io::{self, Write};
use std::net::{Shutdown, TcpListener};

use ch03_thread_per_connection::client::{PATIENCE, connect, read_echo};
use ch03_thread_per_connection::echo::echo;

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut clients = Vec::new();
    for name in ["ox", "ant", "wasp"] {
        let mut client = connect(listener.local_addr()?, PATIENCE)?;
        client.write_all(name.as_bytes())?;
        client.shutdown(Shutdown::Write)?;
        println!("{name}: connected and sent");
        clients.push((name, client));
    }
    for _ in 0..3 {
        let (mut connection, _) = listener.accept()?;
        let echoed = echo(&mut connection)?;
        println!("server: accepted, echoed {echoed} bytes");
    }
    for (name, mut client) in clients {
        read_echo(&mut client, name.as_bytes())?;
        println!("{name}: got its echo");
    }
    Ok(())
}
