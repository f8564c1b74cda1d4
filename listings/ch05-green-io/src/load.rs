//! A load client on OS threads: N connections, M messages each, every echo
//! checked byte for byte. (Stands in for chapter 3's until it is copied.)

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

pub struct Load {
    pub addr: SocketAddr,
    pub connections: usize,
    pub messages: usize,
    pub message_len: usize,
    /// Keep every connection open this long after its last echo.
    pub hold: Duration,
    /// Limit on each connect, read and write.
    pub timeout: Duration,
}

#[derive(Debug)]
pub struct Summary {
    pub connections: usize,
    pub messages: usize,
    pub bytes: usize,
    pub elapsed: Duration,
}

impl Load {
    pub fn run(&self) -> io::Result<Summary> {
        let start = Instant::now();
        let workers: Vec<_> = (0..self.connections)
            .map(|id| {
                let job = self.clone_job();
                thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn(move || job.run(id))
            })
            .collect::<io::Result<_>>()?;
        let mut bytes = 0;
        for worker in workers {
            bytes += worker
                .join()
                .map_err(|_| io::Error::other("client thread panicked"))??;
        }
        Ok(Summary {
            connections: self.connections,
            messages: self.connections * self.messages,
            bytes,
            elapsed: start.elapsed(),
        })
    }

    fn clone_job(&self) -> Job {
        Job {
            addr: self.addr,
            messages: self.messages,
            message_len: self.message_len,
            hold: self.hold,
            timeout: self.timeout,
        }
    }
}

struct Job {
    addr: SocketAddr,
    messages: usize,
    message_len: usize,
    hold: Duration,
    timeout: Duration,
}

impl Job {
    fn run(&self, id: usize) -> io::Result<usize> {
        let mut stream = TcpStream::connect_timeout(&self.addr, self.timeout)?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        let mut echoed = vec![0; self.message_len];
        for round in 0..self.messages {
            let message: Vec<u8> = (0..self.message_len)
                .map(|i| (id.wrapping_mul(31) ^ round.wrapping_mul(7) ^ i) as u8)
                .collect();
            stream.write_all(&message)?;
            stream.read_exact(&mut echoed)?;
            if echoed != message {
                return Err(io::Error::other(format!("connection {id}: echo differs")));
            }
        }
        thread::sleep(self.hold);
        Ok(self.messages * self.message_len)
    }
}
