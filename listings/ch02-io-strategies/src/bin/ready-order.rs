//! Predict the output: way B's loop, `poll_loop::serve`, starts with three
//! pipes that are ready already: each was written to, then closed.

use std::fs::File;
use std::io::{self, Write};
use std::task::Poll;

use ch02_io_strategies::latch::Latch;
use ch02_io_strategies::poll_loop::serve;
use ch02_io_strategies::task::{MessageReader, Task};
use ch02_io_strategies::{message, sys};

struct Named(&'static str, MessageReader);

impl Task for Named {
    type Output = u64;

    fn on_readable(&mut self, pipe: &mut File) -> Poll<io::Result<u64>> {
        println!("{} is advanced", self.0);
        self.1.read_from(pipe)
    }
}

fn main() -> io::Result<()> {
    let mut tasks = Vec::new();
    for (number, name, bytes) in [(1, "ant", 8), (2, "bee", 4), (3, "cat", 8)] {
        let pipe = sys::pipe()?;
        let message = message::encode(number);
        File::from(pipe.writer).write_all(&message[..bytes])?;
        tasks.push((pipe.reader, Named(name, MessageReader::default())));
    }
    for result in serve(tasks, &Latch::new(3)) {
        println!("{:?}", result.map_err(|e| e.kind()));
    }
    Ok(())
}
