//! The blocking HTTP handler of the thread and green-thread servers: the
//! async handler (`handlers/async_http.rs`) without `.await`, on the same
//! parser and the same 4 KiB buffer. Their echo is chapter 3's own
//! [`echo`](ch03_thread_per_connection::echo::echo), which the async
//! `echo_connection` mirrors.

use std::io::{self, ErrorKind, Read, Write};

use crate::http::{Next, Requests};

/// Serves one keep-alive connection until the client closes it, sends what
/// this server refuses, or fails. The buffer lives on the calling (green)
/// thread's stack.
pub fn http_connection<S: Read + Write>(stream: &mut S) -> io::Result<()> {
    let mut requests = Requests::new();
    loop {
        match requests.next_step() {
            Next::Reply(reply) => {
                stream.write_all(reply.bytes)?;
                if reply.close {
                    return Ok(());
                }
            }
            Next::Read => {
                let n = match stream.read(requests.unfilled()) {
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if n == 0 {
                    return Ok(()); // the client closed its side
                }
                requests.filled(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HELLO;

    /// A fake connection: reads come from `input` in the given chunks,
    /// writes go to `output`.
    struct Fake {
        input: Vec<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Fake {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.input.is_empty() {
                return Ok(0);
            }
            let chunk = self.input.remove(0);
            buf[..chunk.len()].copy_from_slice(&chunk);
            Ok(chunk.len())
        }
    }

    impl Write for Fake {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.output.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn answers_pipelined_and_split_requests_until_eof() {
        let get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let two = [get.as_slice(), get].concat();
        let mut fake = Fake {
            input: vec![two, get[..5].to_vec(), get[5..].to_vec()],
            output: Vec::new(),
        };
        http_connection(&mut fake).unwrap();
        assert_eq!(fake.output, HELLO.repeat(3));
    }
}
