//! A tiny static file server for the browser check. It serves the built book
//! as `mdbook serve` would, and adds one thing to every HTML page: a probe
//! that records errors into the page and opens each quiz, so that Chromium's
//! `--dump-dom` shows what a reader would have seen.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::thread;
use std::time::Duration;

/// Runs first in `<head>`: registered before any of the book's scripts, it sees
/// their errors (uncaught exceptions, rejected promises, `console.error`, and
/// resources that failed to load) and lists them in `data-probe-errors` on the
/// root element. Once the page has loaded it presses each quiz's Start button,
/// including those of quizzes drawn later.
const PROBE: &str = r#"<script>
(() => {
  const errors = [];
  const note = (text) => {
    errors.push(String(text));
    document.documentElement.setAttribute('data-probe-errors', JSON.stringify(errors));
  };
  window.addEventListener('error', (event) => {
    const target = event.target;
    if (target && target !== window && (target.src || target.href)) {
      note('failed to load ' + (target.src || target.href));
    } else {
      note(event.message);
    }
  }, true);
  window.addEventListener('unhandledrejection', (event) => note('unhandled rejection: ' + event.reason));
  const consoleError = console.error;
  console.error = (...args) => { note(args.join(' ')); consoleError(...args); };
  // Each quiz draws itself when its script has run, some time after `load`
  // on a page with many (the print page has them all): press every Start
  // button there is now and each one that appears later, without counting
  // on a time by which they all exist.
  const pressStart = () => {
    document.querySelectorAll('.mdbook-quiz button.start').forEach((button) => button.click());
  };
  window.addEventListener('load', () => {
    pressStart();
    new MutationObserver(pressStart).observe(document.body, { childList: true, subtree: true });
  });
})();
</script>"#;

/// Serves `root` on 127.0.0.1 (a port the OS picks) until the process exits.
pub fn serve(root: &Path) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let root = root.to_path_buf();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            thread::spawn(move || {
                // A browser that hangs up early is not our concern.
                let _ = answer(stream, &root);
            });
        }
    });
    Ok(address)
}

fn answer(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers: nothing in them changes what we send.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, kind, body) = match file_for(root, target).and_then(|path| {
        let body = fs::read(&path).ok()?;
        Some((path, body))
    }) {
        Some((path, body)) => {
            let kind = content_type(&path);
            let body = if kind.starts_with("text/html") {
                with_probe(body)
            } else {
                body
            };
            ("200 OK", kind, body)
        }
        None => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

/// The file a request path names, or `None` if it would leave `root`.
fn file_for(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|part| !matches!(part, Component::Normal(_)))
    {
        return None;
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|ext| ext.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript",
        "css" => "text/css",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        _ => "application/octet-stream",
    }
}

fn with_probe(page: Vec<u8>) -> Vec<u8> {
    let page = String::from_utf8_lossy(&page);
    match page.find("<head>") {
        Some(at) => {
            let split = at + "<head>".len();
            format!("{}{PROBE}{}", &page[..split], &page[split..]).into_bytes()
        }
        None => page.into_owned().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_root() {
        let root = std::env::temp_dir();
        assert_eq!(file_for(&root, "/../etc/passwd"), None);
        assert_eq!(file_for(&root, "/a/../../b"), None);
    }

    #[test]
    fn puts_the_probe_first_in_the_head() {
        let page = with_probe(b"<html><head><title>t</title></head></html>".to_vec());
        let page = String::from_utf8(page).unwrap();
        assert!(page.starts_with("<html><head><script>"));
        assert!(page.ends_with("<title>t</title></head></html>"));
    }
}
