//! The lingering close, argued on real sockets: `http-linger` closes a
//! connection with unread input plainly, plainly after reading that input,
//! and politely. Plainly with input unread, the kernel sends a reset and
//! the client loses the part of the response still in the server's socket;
//! otherwise it reads all of it, then the end.

use std::process::Command;

/// `(queued, read, end)` from a line of `http-linger`'s output.
fn parse(line: &str) -> (usize, usize, &str) {
    let number = |word: &str| {
        let at = line.find(word).unwrap() + word.len();
        let digits: String = line[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap()
    };
    let end = line.rsplit(", then ").next().unwrap();
    (number("queued "), number("read "), end)
}

#[test]
fn a_plain_close_loses_the_response_and_a_lingering_one_does_not() {
    let output = Command::new(env!("CARGO_BIN_EXE_http-linger"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines().skip(1); // the machine line
    let plain = parse(lines.next().unwrap());
    assert!(plain.1 < plain.0, "{text}");
    assert_eq!(plain.2, "a reset", "{text}");
    for line in lines {
        let (queued, read, end) = parse(line);
        assert_eq!(read, queued, "{text}");
        assert_eq!(end, "the end of input", "{text}");
    }
}
