//! The application's side: a handler is any `Fn(&Request) -> Response`,
//! and a [`Router`] picks one by method and path.
//!
//! Handlers are synchronous on purpose. The connection calls one while the
//! [`Request`] still points into its input buffer, so nothing is copied,
//! and the handler returns before the connection reads again, so the buffer
//! cannot change under it. That fits a handler that computes its answer
//! from the request, as the demo's do. It does not fit one that waits (for
//! a database, another service, a file): it would block the executor's
//! thread, and every task on it, for as long as it waits.
//!
//! The next step is an async handler, `Fn(Request) -> impl Future<Output =
//! Response>`. Its request must outlive the call, across awaits, while the
//! connection goes on reading: so the request owns its parts (a head copied
//! out of the buffer, a body in its own allocation, as hyper's `Request`
//! does), and the connection's future awaits the handler's before it
//! writes, which keeps pipelined responses in order. Streaming bodies,
//! instead of buffering them whole, come with that step too.

use super::request::Request;
use super::response::Response;
use super::status::Status;

/// A boxed handler, as the router stores them.
pub type Handler = Box<dyn Fn(&Request<'_>) -> Response + Send + Sync>;

/// Handlers by method and exact path.
#[derive(Default)]
pub struct Router {
    routes: Vec<(&'static str, &'static str, Handler)>,
}

impl Router {
    pub fn new() -> Router {
        Router::default()
    }

    /// Sends `method` requests for `path` to `handler`. Routing `GET` also
    /// answers `HEAD`, without the body (RFC 9110 §9.3.2).
    pub fn route(
        mut self,
        method: &'static str,
        path: &'static str,
        handler: impl Fn(&Request<'_>) -> Response + Send + Sync + 'static,
    ) -> Router {
        self.routes.push((method, path, Box::new(handler)));
        self
    }

    /// The response of the matching handler: `404` if no route has the
    /// path, `405` with the allowed methods if none has the method.
    pub fn handle(&self, request: &Request<'_>) -> Response {
        let (method, path) = (request.method(), request.path());
        let on_path = || self.routes.iter().filter(move |r| r.1 == path);
        let find = |m: &str| on_path().find(|r| r.0 == m);
        let found = match find(method) {
            None if method == "HEAD" => find("GET"),
            found => found,
        };
        if let Some((_, _, handler)) = found {
            return handler(request);
        }
        let mut allow: Vec<&str> = on_path().map(|r| r.0).collect();
        if allow.is_empty() {
            return Response::text(Status::NOT_FOUND, "not found");
        }
        if allow.contains(&"GET") && !allow.contains(&"HEAD") {
            allow.push("HEAD");
        }
        Response::text(Status::METHOD_NOT_ALLOWED, "method not allowed")
            .header("Allow", allow.join(", "))
    }
}

/// The book's demo: `GET /` says hello, `POST /echo` returns the body.
pub fn demo() -> Router {
    Router::new()
        .route("GET", "/", hello)
        .route("POST", "/echo", echo)
}

/// `Hello, world!`, in the same bytes as every server of the book.
pub fn hello(_: &Request<'_>) -> Response {
    Response::new(Status::OK)
        .header("Content-Type", "text/plain")
        .body(&b"Hello, world!"[..])
}

/// The request's body, back.
pub fn echo(request: &Request<'_>) -> Response {
    Response::new(Status::OK)
        .header("Content-Type", "application/octet-stream")
        .body(request.body().to_vec())
}
