//! Why files go to the pool: epoll refuses to watch a regular file (or a
//! directory) with `EPERM`; a pipe it watches.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsFd;

use ch08_callbacks::poll::{Interest, Mode, Poller, Token};

#[test]
fn epoll_refuses_regular_files_and_directories() {
    let dir =
        std::env::temp_dir().join(format!("ch08-eperm-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("f"), "x").unwrap();
    let poller = Poller::new().unwrap();
    let add = |fd: &dyn AsFd| {
        poller.add(fd.as_fd(), Token(1), Interest::READABLE, Mode::Level)
    };
    let file = File::open(dir.join("f")).unwrap();
    let folder = File::open(&dir).unwrap();
    for refused in [add(&file), add(&folder)] {
        assert_eq!(refused.unwrap_err().raw_os_error(), Some(libc::EPERM));
    }
    let (reader, _writer) = io::pipe().unwrap();
    add(&reader).unwrap();
    fs::remove_dir_all(&dir).unwrap();
}
