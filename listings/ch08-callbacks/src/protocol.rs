//! The file server's protocol, shared by its two versions (callbacks in
//! [`crate::files`], a thread per connection in [`crate::blocking`]).
//!
//! A request is a line: a file name and `\n`. The name is 1 to 255 bytes of
//! letters, digits, `.`, `_` and `-`, not starting with `.`, so it names a
//! file in the served folder and nothing outside it. The answer is the
//! file's length in decimal and `\n`, then its bytes; or `error: …\n`. The
//! connection stays open for the next request.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest request line, `\n` included; a longer one ends the
/// connection.
pub const MAX_REQUEST: usize = 256;
/// The largest file served; a larger one is refused with an error.
pub const MAX_FILE: u64 = 1 << 20;

/// What a file server serves, and how long it waits for a request.
#[derive(Clone, Debug)]
pub struct Config {
    pub dir: PathBuf,
    pub idle: Duration,
}

/// Splits the first complete line (without its `\n`) off `input`.
pub fn take_line(input: &mut Vec<u8>) -> Option<Vec<u8>> {
    let end = input.iter().position(|&b| b == b'\n')?;
    let mut line: Vec<u8> = input.drain(..=end).collect();
    line.pop();
    Some(line)
}

// ANCHOR: answer
/// The answer to one request: reads the file, so it blocks.
pub fn answer(dir: &Path, request: &[u8]) -> Vec<u8> {
    let result = name(request).and_then(|name| read_file(&dir.join(name)));
    match result {
        Ok(bytes) => {
            let mut answer = format!("{}\n", bytes.len()).into_bytes();
            answer.extend_from_slice(&bytes);
            answer
        }
        Err(e) => format!("error: {}\n", describe(&e)).into_bytes(),
    }
}
// ANCHOR_END: answer

fn name(request: &[u8]) -> io::Result<&str> {
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || b"._-".contains(b);
    let good = !request.is_empty()
        && request.len() < MAX_REQUEST
        && request[0] != b'.'
        && request.iter().all(allowed);
    match std::str::from_utf8(request) {
        Ok(name) if good => Ok(name),
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "bad name")),
    }
}

fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    if file.metadata()?.len() > MAX_FILE {
        return Err(io::Error::new(io::ErrorKind::FileTooLarge, "too large"));
    }
    let mut bytes = Vec::new();
    // `take`: the file may grow between the check and the read.
    file.take(MAX_FILE).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::InvalidInput => "bad name".to_string(),
        io::ErrorKind::FileTooLarge => "too large".to_string(),
        io::ErrorKind::IsADirectory => "not a file".to_string(),
        _ => "cannot read it".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_off_one_at_a_time() {
        let mut input = b"a.txt\nb.txt\nc".to_vec();
        assert_eq!(take_line(&mut input), Some(b"a.txt".to_vec()));
        assert_eq!(take_line(&mut input), Some(b"b.txt".to_vec()));
        assert_eq!(take_line(&mut input), None);
        assert_eq!(input, b"c");
    }

    #[test]
    fn names_cannot_leave_the_folder() {
        let dir = Path::new("/nonexistent");
        for bad in [
            &b"../etc/passwd"[..],
            b"/etc/passwd",
            b".hidden",
            b"",
            b"a b",
        ] {
            assert_eq!(answer(dir, bad), b"error: bad name\n", "{bad:?}");
        }
        assert_eq!(answer(dir, b"missing.txt"), b"error: no such file\n");
    }
}
