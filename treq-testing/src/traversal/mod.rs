//! `RequestTraversalAgent`: a real hyper HTTP/1.1 client connection talking
//! to a real hyper server connection over `tokio::io::duplex`, serving a
//! [`Resource`]. No socket, no port: the bytes only cross an in-memory pipe,
//! so the resource sees exactly what a server would (Host, Content-Length or
//! Transfer-Encoding, every header).
//!
//! Each connection (a pipe and a client/server connection pair) is kept alive
//! for later requests of the same scheme while it is idle, like a real
//! client's pool; a busy connection (a response still streaming) is never
//! waited for: a new one is opened. No task is spawned: a connection is
//! driven by the task that waits for its response or reads its body (see
//! `driver.rs`), and [`flush`](RequestTraversalAgent::flush) drives every
//! connection that can progress until none can without outside input.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::FutureExt;
use http::header::HOST;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use treq::agent::ResponseFuture;
use treq::{Agent, Body, Error};

use crate::resource::Resource;

mod body;
mod driver;
mod exchange;
mod server;

use self::driver::Driver;
use self::exchange::Exchange;
use self::server::{ServerConnection, ServerSide};

type Sender = hyper::client::conn::http1::SendRequest<Body>;

/// How many idle connections to keep per scheme.
const MAX_IDLE: usize = 4;
/// Size of each direction of the in-memory pipe.
const PIPE_CAPACITY: usize = 64 * 1024;
/// Upper bound on scheduler turns in one `flush`, so a resource that keeps
/// itself busy forever cannot hang the test.
const MAX_FLUSH_TURNS: usize = 10_000;
/// How long a request may wait for the resource's answer by default.
pub(crate) const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// An in-memory [`Agent`] serving a [`Resource`] over real HTTP/1.1.
///
/// - Any host works; the port comes from the URL.
/// - `https://` URLs make [`ServerRequest::is_secure`](crate::ServerRequest::is_secure)
///   true (no TLS is spoken); any other scheme than http/https fails the
///   request with a builder error, and the agent keeps working.
/// - A resource may answer later or stream; call [`flush`](Self::flush) to
///   let pending in-memory I/O happen before checking what arrived.
/// - A resource that panics answers 500; the panic message is kept in
///   [`failures`](Self::failures) (and [`StubTreq`](crate::StubTreq) fails
///   the test with it when dropped).
/// - A resource that does not answer within the [deadline](Self::set_deadline)
///   (30 s of tokio time by default) fails the request with a timeout error
///   naming it, so a forgotten answer or [`Fault::Hang`](crate::Fault::Hang)
///   fails the test instead of hanging it; so does a body that sends
///   nothing more for that long.
/// - The in-memory connections run inside the task that sends the request
///   and reads the response (no task is spawned), so a multi-thread runtime
///   costs what a current-thread one does.
///
/// Cheap to clone; clones share the resource and the connections.
#[derive(Clone)]
pub struct RequestTraversalAgent {
    shared: Arc<Shared>,
}

/// A pooled connection: the client's sender and the driver of the pair.
struct Pooled {
    sender: Sender,
    driver: Arc<Driver>,
    /// The authority of the last request sent on it from the pool and the
    /// Host header made of it: the next request, most often to the same
    /// host, reuses it.
    last_host: Option<(Box<str>, http::HeaderValue)>,
}

impl Pooled {
    /// The Host header for `authority`, made once per connection and host.
    fn host_header(
        &mut self,
        authority: &http::uri::Authority,
        secure: bool,
    ) -> Result<http::HeaderValue, http::header::InvalidHeaderValue> {
        if let Some((last, value)) = &self.last_host {
            if **last == *authority.as_str() {
                return Ok(value.clone());
            }
        }
        let value = host_header(authority, secure)?;
        self.last_host = Some((authority.as_str().into(), value.clone()));
        Ok(value)
    }
}

struct Shared {
    /// What every connection's server side needs. Kept apart from the pool:
    /// a connection holding the pool would keep its own idle sender (and so
    /// itself) alive forever.
    server: Arc<ServerSide>,
    /// Idle keep-alive connections, `[http, https]`: the scheme is fixed per
    /// connection (the server side's `secure`), the host is per request.
    idle: [Mutex<Vec<Pooled>>; 2],
    /// Every connection opened, for `flush` and `live_connections`.
    connections: Mutex<Vec<Weak<Driver>>>,
    /// How long a request waits for the response head; `None`: forever.
    deadline: Mutex<Option<Duration>>,
}

impl fmt::Debug for RequestTraversalAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestTraversalAgent")
            .field("connections", &self.live_connections())
            .finish_non_exhaustive()
    }
}

impl RequestTraversalAgent {
    /// An agent serving `resource`.
    pub fn new(resource: impl Resource) -> Self {
        RequestTraversalAgent {
            shared: Arc::new(Shared {
                server: Arc::new(ServerSide {
                    resource: Box::new(resource),
                    failures: Mutex::new(Vec::new()),
                }),
                idle: Default::default(),
                connections: Mutex::new(Vec::new()),
                deadline: Mutex::new(Some(DEFAULT_DEADLINE)),
            }),
        }
    }

    /// How long each request may wait for the resource to answer (its
    /// response head), and each read of a streamed body for its next frame,
    /// in tokio time; `None` waits forever. Past it the request (or the
    /// read) fails with an error for which
    /// [`is_timeout`](treq::Error::is_timeout) is true; a request's names
    /// the request. Applies to every clone of this agent and to
    /// requests started afterwards. The default is 30 s.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use treq_testing::{RequestTraversalAgent, StringStubbingResource};
    /// let agent = RequestTraversalAgent::new(StringStubbingResource::new(|_req| 200));
    /// agent.set_deadline(Duration::from_secs(2));
    /// assert_eq!(agent.deadline(), Some(Duration::from_secs(2)));
    /// agent.set_deadline(None);
    /// assert_eq!(agent.deadline(), None);
    /// ```
    pub fn set_deadline(&self, deadline: impl Into<Option<Duration>>) {
        *lock(&self.shared.deadline) = deadline.into();
    }

    /// The current deadline; see [`set_deadline`](Self::set_deadline).
    pub fn deadline(&self) -> Option<Duration> {
        *lock(&self.shared.deadline)
    }

    /// Drives the in-memory connections until none of them can make progress
    /// (every one is waiting for the resource, the client, or time), letting
    /// the other tasks run in between (a task reading a response body, say).
    ///
    /// Call it after making a resource progress (sending a chunk, finishing a
    /// response) to move the bytes to the client, as with treq's
    /// `stub.flush()`. Must be called inside a tokio runtime.
    pub async fn flush(&self) {
        // Two idle turns in a row: a task woken by the last poll (the client
        // body reader, say) gets its turn before we stop.
        let mut idle_turns = 0;
        for _ in 0..MAX_FLUSH_TURNS {
            for driver in self.connections() {
                if driver.is_busy() {
                    driver.drive();
                }
            }
            tokio::task::yield_now().await;
            if self.connections().iter().all(|d| !d.is_busy()) {
                idle_turns += 1;
                if idle_turns == 2 {
                    return;
                }
            } else {
                idle_turns = 0;
            }
        }
    }

    /// The connections still open.
    fn connections(&self) -> Vec<Arc<Driver>> {
        let mut connections = lock(&self.shared.connections);
        connections.retain(|d| d.upgrade().is_some_and(|d| !d.is_done()));
        connections.iter().filter_map(Weak::upgrade).collect()
    }

    /// How many in-memory connections are open (busy or idle in the pool).
    pub fn live_connections(&self) -> usize {
        self.connections().len()
    }

    /// Panic messages of the resource so far (each request that panicked
    /// answered 500).
    pub fn failures(&self) -> Vec<String> {
        lock(&self.shared.server.failures).clone()
    }

    /// Returns and forgets the panic messages of the resource.
    pub fn take_failures(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.shared.server.failures))
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Agent for RequestTraversalAgent {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        match self.send(request) {
            Ok(exchange) => Box::pin(exchange),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }
}

impl RequestTraversalAgent {
    /// Sends `request` on an idle connection of its scheme or a new one,
    /// and returns the future of its response. Sending only queues the
    /// request: the connection carries it (and the resource is called) when
    /// the future is polled.
    fn send(
        &self,
        mut request: http::Request<Body>,
    ) -> treq::Result<
        Exchange<impl Future<Output = hyper::Result<http::Response<Incoming>>> + Send + 'static>,
    > {
        let uri = request.uri();
        let secure = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("http") => false,
            Some(s) if s.eq_ignore_ascii_case("https") => true,
            other => {
                return Err(Error::from_builder_failure(format!(
                    "scheme {:?} is not supported by RequestTraversalAgent (only http and https)",
                    other.unwrap_or("").to_ascii_lowercase()
                )))
            }
        };
        let Some(authority) = uri.authority() else {
            return Err(Error::from_builder_failure("the URL has no host"));
        };
        let host_needed = !request.headers().contains_key(HOST);
        let (mut pooled, host) = match self.idle_connection(secure) {
            Some(mut pooled) => {
                let host = host_needed.then(|| pooled.host_header(authority, secure));
                (pooled, host)
            }
            None => {
                // A malformed host fails before any connection is opened.
                let host = host_needed
                    .then(|| host_header(authority, secure))
                    .transpose()
                    .map_err(|_| invalid_host())?;
                // Not kept for the next request yet: a connection used for
                // one request (a test's only one) pays nothing for it.
                let pooled = self.connect(secure)?;
                (pooled, host.map(Ok))
            }
        };
        match host {
            Some(Ok(value)) => {
                request.headers_mut().insert(HOST, value);
            }
            Some(Err(_)) => {
                self.release(secure, pooled);
                return Err(invalid_host());
            }
            None => {}
        }
        // HTTP/1.1 clients send the origin form; the scheme reaches the
        // server side through `secure`, the host through `Host`.
        let origin = match request.uri().path_and_query() {
            Some(pq) => http::Uri::from(pq.clone()),
            None => http::Uri::from_static("/"),
        };
        let uri = std::mem::replace(request.uri_mut(), origin);
        let method = request.method().clone();
        let response = pooled.sender.send_request(request);
        let driver = Arc::clone(&pooled.driver);
        self.release(secure, pooled);
        Ok(Exchange::new(
            driver,
            response,
            self.deadline(),
            method,
            uri,
        ))
    }
}

impl RequestTraversalAgent {
    /// An idle connection ready for a request now. Busy ones (a response
    /// still streaming) stay pooled; closed ones are dropped. A pooled
    /// connection that was woken (its last exchange is finishing) is driven
    /// first, outside the pool's lock, so that it can become ready.
    fn idle_connection(&self, secure: bool) -> Option<Pooled> {
        let pool = &self.shared.idle[usize::from(secure)];
        let mut woken: [Option<Arc<Driver>>; MAX_IDLE] = Default::default();
        {
            let mut idle = lock(pool);
            idle.retain(|p| !p.sender.is_closed());
            if let Some(ready) = idle.iter().position(|p| p.sender.is_ready()) {
                return Some(idle.swap_remove(ready));
            }
            for (slot, pooled) in woken.iter_mut().zip(idle.iter()) {
                if pooled.driver.is_busy() {
                    *slot = Some(Arc::clone(&pooled.driver));
                }
            }
        }
        if woken.iter().all(Option::is_none) {
            return None;
        }
        woken.iter().flatten().for_each(|driver| driver.drive());
        let mut idle = lock(pool);
        idle.retain(|p| !p.sender.is_closed());
        let ready = idle.iter().position(|p| p.sender.is_ready())?;
        Some(idle.swap_remove(ready))
    }

    /// Keeps the connection for later requests (up to `MAX_IDLE`; dropping
    /// the sender of an extra one closes it once its response is done).
    fn release(&self, secure: bool, pooled: Pooled) {
        let mut idle = lock(&self.shared.idle[usize::from(secure)]);
        if idle.len() < MAX_IDLE && !pooled.sender.is_closed() {
            idle.push(pooled);
        }
    }

    /// A fresh in-memory connection: pipe, both handshakes, one driver.
    fn connect(&self, secure: bool) -> treq::Result<Pooled> {
        let (client_io, server_io) = tokio::io::duplex(PIPE_CAPACITY);
        // Both sides write each message from one buffer (hyper's default
        // with a pipe that takes vectored writes is a queue of buffers,
        // slower for the small messages of a test). hyper's HTTP/1 client
        // handshake does no I/O: it is ready at once.
        let (sender, client_conn) = hyper::client::conn::http1::Builder::new()
            .writev(false)
            .handshake(TokioIo::new(client_io))
            .now_or_never()
            .ok_or_else(|| {
                Error::from_builder_failure("the in-memory HTTP/1 handshake did not complete")
            })?
            .map_err(Error::from_request_failure)?;
        let server = ServerConnection::new(Arc::clone(&self.shared.server), secure);
        let service =
            hyper::service::service_fn(move |req: http::Request<Incoming>| server.serve(req));
        let server_conn = hyper::server::conn::http1::Builder::new()
            .writev(false)
            .serve_connection(TokioIo::new(server_io), service);
        let driver = Driver::new(
            async move {
                let _ = client_conn.await;
            },
            async move {
                let _ = server_conn.await;
            },
        );
        {
            let mut connections = lock(&self.shared.connections);
            connections.retain(|d| d.upgrade().is_some_and(|d| !d.is_done()));
            connections.push(Arc::downgrade(&driver));
        }
        Ok(Pooled {
            sender,
            driver,
            last_host: None,
        })
    }
}

fn invalid_host() -> Error {
    Error::from_builder_failure("the host is not a valid Host header")
}

/// `host[:port]`, without the scheme's default port.
fn host_header(
    authority: &http::uri::Authority,
    secure: bool,
) -> Result<http::HeaderValue, http::header::InvalidHeaderValue> {
    let default = if secure { 443 } else { 80 };
    match authority.port_u16() {
        Some(port) if port != default => {
            http::HeaderValue::from_str(&format!("{}:{port}", authority.host()))
        }
        _ => http::HeaderValue::from_str(authority.host()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::resource_fn;
    use crate::ServerRequest;

    #[tokio::test]
    async fn each_request_on_a_kept_alive_connection_carries_its_own_host() {
        let agent = RequestTraversalAgent::new(resource_fn(|req: ServerRequest| async move {
            let host = req.header("host").unwrap_or("-");
            http::Response::new(Body::from(format!("{host} {}", req.uri())))
        }));
        let cases = [
            ("http://a.test/", "a.test http://a.test/"),
            ("http://a.test/x", "a.test http://a.test/x"),
            ("http://b.test:8080/", "b.test:8080 http://b.test:8080/"),
            ("http://b.test:8081/", "b.test:8081 http://b.test:8081/"),
            ("http://a.test:80/", "a.test http://a.test/"),
            ("http://a.test/", "a.test http://a.test/"),
        ];
        for (url, host) in cases {
            let request = http::Request::get(url).body(Body::empty()).unwrap();
            let response = agent.request(request).await.unwrap();
            let seen = response.into_body().collect_bytes(None).await.unwrap();
            assert_eq!(seen, host, "{url}");
        }
        assert_eq!(agent.live_connections(), 1, "one kept-alive connection");
    }

    #[tokio::test]
    async fn a_request_dropped_before_it_is_polled_never_reaches_the_resource() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let agent = RequestTraversalAgent::new(resource_fn(move |_req: ServerRequest| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { http::Response::new(Body::from("ok")) }
        }));
        let get = || {
            http::Request::get("http://a.test/")
                .body(Body::empty())
                .unwrap()
        };
        agent.request(get()).await.unwrap();
        drop(agent.request(get()));
        agent.flush().await;
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Its connection is idle again, and serves the next request.
        let response = agent.request(get()).await.unwrap();
        assert_eq!(response.body().as_bytes(), Some(&b"ok"[..]));
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(agent.live_connections(), 1);
    }

    /// Counts its wake-ups.
    struct CountingWaker(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn a_task_that_got_its_response_is_not_woken_by_later_exchanges() {
        let agent = RequestTraversalAgent::new(resource_fn(|_req: ServerRequest| async {
            http::Response::new(Body::from("ok"))
        }));
        let get = || {
            http::Request::get("http://a.test/")
                .body(Body::empty())
                .unwrap()
        };
        let counter = Arc::new(CountingWaker(std::sync::atomic::AtomicUsize::new(0)));
        let waker = std::task::Waker::from(Arc::clone(&counter));
        let mut first = agent.request(get());
        let polled = first
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&waker));
        assert!(polled.is_ready(), "answered in the first poll");
        drop(polled);
        // The next exchanges on the same connection wake the connection, not
        // the task that is done with it.
        for _ in 0..2 {
            agent.request(get()).await.unwrap();
        }
        assert_eq!(agent.live_connections(), 1);
        assert_eq!(counter.0.load(std::sync::atomic::Ordering::SeqCst), 0);
    }
}
