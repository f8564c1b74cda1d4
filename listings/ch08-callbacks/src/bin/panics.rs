//! A callback with a bug that only shows at run time: it borrows its
//! connection's `RefCell` twice. The loop reports the panic, closes that
//! connection and goes on serving the others. Usage: `panics`.

use std::cell::RefCell;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use ch08_callbacks::launch::Running;
use ch08_callbacks::listen::{self, listen};
use ch08_callbacks::{EventLoop, SourceId, nbio};

// ANCHOR: bug
struct Session {
    stream: Rc<TcpStream>,
    id: SourceId,
    requests: u64,
}

fn on_readable(lp: &mut EventLoop, session: &Rc<RefCell<Session>>) {
    let mut s = session.borrow_mut();
    let mut buf = [0; 64];
    let n = match nbio::read(&s.stream, &mut buf) {
        Ok(Some(n)) if n > 0 => n,
        Ok(None) => return,
        _ => {
            lp.remove(s.id); // end of stream, or an error
            return;
        }
    };
    s.requests += 1;
    let answer = match &buf[..n] {
        b"ping\n" => "pong\n".to_string(),
        b"count\n" => count(session), // `s` still borrows it: a panic
        _ => "what?\n".to_string(),
    };
    let _ = nbio::write(&s.stream, answer.as_bytes());
}

fn count(session: &Rc<RefCell<Session>>) -> String {
    format!("{} requests\n", session.borrow().requests)
}
// ANCHOR_END: bug

fn open(lp: &mut EventLoop, stream: TcpStream) {
    let Some(stream) = listen::prepare(stream) else {
        return;
    };
    let id = lp.add(Rc::clone(&stream));
    let session = Rc::new(RefCell::new(Session {
        stream,
        id,
        requests: 0,
    }));
    lp.on_readable(id, move |lp| on_readable(lp, &session));
}

fn ask(client: &str, stream: &TcpStream, question: &str) -> io::Result<()> {
    (&mut &*stream).write_all(question.as_bytes())?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    let answer = match answer.as_str() {
        "" => "the server closed the connection".to_string(),
        line => format!("{:?}", line.trim_end()),
    };
    println!("client {client}: {:?} -> {answer}", question.trim_end());
    Ok(())
}

fn connect(addr: std::net::SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    Ok(stream)
}

fn main() -> io::Result<()> {
    // One line per panic, without the default hook's backtrace advice,
    // so that the output is the same wherever it runs.
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| l.to_string()).unwrap_or_default();
        eprintln!("panic hook: a panic at {at}");
    }));
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server =
        Running::spawn(move |lp| listen(lp, listener, open).map(drop))?;
    let a = connect(addr)?;
    ask("a", &a, "ping\n")?;
    let b = connect(addr)?;
    ask("b", &b, "count\n")?;
    ask("a", &a, "ping\n")?;
    ask("c", &connect(addr)?, "ping\n")?;
    let stats = server.stop()?;
    println!("panics reported by the loop: {}", stats.panics);
    Ok(())
}
