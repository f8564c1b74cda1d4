//! What epoll says about a regular file: it refuses to watch it. A pipe,
//! for comparison, it watches. Usage: `epoll-file`.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsFd;

use ch08_callbacks::poll::{Interest, Mode, Poller, Token};

// ANCHOR: refuse
fn try_add(poller: &Poller, what: &str, fd: impl AsFd) {
    let result =
        poller.add(fd.as_fd(), Token(1), Interest::READABLE, Mode::Level);
    match result {
        Ok(()) => println!("{what}: registered"),
        Err(e) => println!("{what}: {e}"),
    }
}

fn main() -> io::Result<()> {
    let dir =
        std::env::temp_dir().join(format!("epoll-file-{}", std::process::id()));
    fs::create_dir_all(&dir)?;
    fs::write(dir.join("data.txt"), "hello\n")?;
    let poller = Poller::new()?;
    try_add(&poller, "a regular file", File::open(dir.join("data.txt"))?);
    try_add(&poller, "a directory", File::open(&dir)?);
    let (reader, _writer) = io::pipe()?;
    try_add(&poller, "a pipe", reader);
    fs::remove_dir_all(&dir)
}
// ANCHOR_END: refuse
