//! The green echo server as a process: `main` of `echo-green`, and a child
//! copy of a measuring binary, so its memory can be read from `/proc`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use crate::echo;
use crate::harness::limits;
use crate::harness::procfs::{self, Status};
use crate::net::TcpListener;
use crate::scheduler::run;

/// What a measuring binary passes to a child copy of itself to make it serve.
const SERVE_FLAG: &str = "--serve-echo";

/// Sets the descriptor limit (`None`: raise it to the hard limit), binds,
/// prints `listening on ADDR`, and serves.
pub fn serve(addr: &str, max_fds: Option<u64>) -> io::Result<()> {
    match max_fds {
        Some(max) => limits::lower_fd_limit(max)?,
        None => limits::raise_fd_limit()?,
    };
    let addr = addr.to_string();
    run(move || {
        let listener = TcpListener::bind(addr)?;
        println!("listening on {}", listener.local_addr()?);
        io::stdout().flush()?;
        echo::serve(&listener)
    })
}

/// For measuring binaries: if started with the serve flag, be the server.
pub fn serve_if_asked() -> Option<io::Result<()>> {
    let mut args = std::env::args().skip(1);
    (args.next().as_deref() == Some(SERVE_FLAG))
        .then(|| serve("127.0.0.1:0", None))
}

/// A child copy of the current binary serving echo; killed when dropped.
pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl ServerProcess {
    /// Starts a child copy of the current binary as the server.
    pub fn start() -> io::Result<ServerProcess> {
        let mut command = Command::new(std::env::current_exe()?);
        command.arg(SERVE_FLAG);
        ServerProcess::spawn(command)
    }

    /// Starts `command`, which must print `listening on ADDR` first.
    pub fn spawn(mut command: Command) -> io::Result<ServerProcess> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first_line = String::new();
        BufReader::new(stdout).read_line(&mut first_line)?;
        let addr = first_line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|addr| addr.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other(format!(
                "server said {first_line:?}"
            )));
        };
        Ok(ServerProcess { child, addr })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's `/proc/<pid>/status`.
    pub fn status(&self) -> io::Result<Status> {
        procfs::status(&self.child.id().to_string())
    }

    /// The number of the server's memory maps.
    pub fn map_count(&self) -> io::Result<u64> {
        procfs::map_count(&self.child.id().to_string())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
