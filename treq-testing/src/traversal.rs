//! `RequestTraversalAgent`: a real hyper HTTP/1.1 client connection talking
//! to a real hyper server connection over `tokio::io::duplex`, serving a
//! [`Resource`]. No socket, no port: the bytes only cross an in-memory pipe,
//! so the resource sees exactly what a server would (Host, Content-Length or
//! Transfer-Encoding, every header).
//!
//! Each connection (a pipe and a client/server connection pair) is driven by
//! one spawned tokio task and kept alive for later requests of the same
//! scheme while it is idle, like a real client's pool; a busy connection (a
//! response still streaming) is never waited for: a new one is opened. The agent tracks those tasks so that [`flush`](RequestTraversalAgent::flush)
//! can drive them until nothing more can happen without outside input.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::FutureExt;
use http::header::HOST;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use treq::agent::ResponseFuture;
use treq::error::ErrorKind;
use treq::{Agent, Body, Error};

use crate::fault::{self, InjectedFault};
use crate::resource::{Resource, ServerRequest};

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
/// - `https://` URLs make [`ServerRequest::is_secure`] true (no TLS is
///   spoken); any other scheme than http/https fails the request with a
///   builder error, and the agent keeps working.
/// - A resource may answer later or stream; call [`flush`](Self::flush) to
///   let pending in-memory I/O happen before checking what arrived.
/// - A resource that panics answers 500; the panic message is kept in
///   [`failures`](Self::failures) (and [`StubTreq`](crate::StubTreq) fails
///   the test with it when dropped).
/// - A resource that does not answer within the [deadline](Self::set_deadline)
///   (30 s of tokio time by default) fails the request with a timeout error
///   naming it, so a forgotten answer or [`Fault::Hang`](crate::Fault::Hang)
///   fails the test instead of hanging it.
///
/// Cheap to clone; clones share the resource and the task list.
#[derive(Clone)]
pub struct RequestTraversalAgent {
    shared: Arc<Shared>,
}

struct Shared {
    /// What connection tasks need. Kept apart from the pool: a task holding
    /// the pool would keep its own idle sender (and so itself) alive forever.
    server: Arc<ServerSide>,
    /// Idle keep-alive connections, `[http, https]`: the scheme is fixed per
    /// connection (the server side's `secure`), the host is per request.
    idle: [Mutex<Vec<Sender>>; 2],
    tasks: Mutex<Vec<Weak<TaskState>>>,
    /// How long a request waits for the response head; `None`: forever.
    deadline: Mutex<Option<Duration>>,
}

struct ServerSide {
    resource: Box<dyn Resource>,
    failures: Mutex<Vec<String>>,
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
                tasks: Mutex::new(Vec::new()),
                deadline: Mutex::new(Some(DEFAULT_DEADLINE)),
            }),
        }
    }

    /// How long each request may wait for the resource to answer (its
    /// response head), in tokio time; `None` waits forever. Past it the
    /// request fails with an error for which
    /// [`is_timeout`](treq::Error::is_timeout) is true and whose message
    /// names the request. Applies to every clone of this agent and to
    /// requests started afterwards. The default is 30 s.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use treq_testing::{RequestTraversalAgent, RecordingResource};
    /// let agent = RequestTraversalAgent::new(RecordingResource::ok());
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
    /// (every one is waiting for the resource, the client, or time).
    ///
    /// Call it after making a resource progress (sending a chunk, finishing a
    /// response) to move the bytes to the client, as with treq's
    /// `stub.flush()`. Must be called inside a tokio runtime.
    pub async fn flush(&self) {
        // Two idle turns in a row: a task woken by another task's last poll
        // (the client body reader, say) gets its turn before we stop.
        let mut idle_turns = 0;
        for _ in 0..MAX_FLUSH_TURNS {
            tokio::task::yield_now().await;
            if self.idle() {
                idle_turns += 1;
                if idle_turns == 2 {
                    return;
                }
            } else {
                idle_turns = 0;
            }
        }
    }

    fn idle(&self) -> bool {
        let tasks = lock(&self.shared.tasks);
        tasks.iter().filter_map(Weak::upgrade).all(|t| t.is_idle())
    }

    /// How many in-memory connections are open (busy or idle in the pool).
    pub fn live_connections(&self) -> usize {
        let tasks = lock(&self.shared.tasks);
        tasks
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|t| !t.done.load(Ordering::Acquire))
            .count()
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

    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        let state = Arc::new(TaskState {
            notified: AtomicBool::new(true),
            running: AtomicBool::new(false),
            done: AtomicBool::new(false),
            outer: Mutex::new(None),
        });
        {
            let mut tasks = lock(&self.shared.tasks);
            tasks.retain(|t| t.upgrade().is_some_and(|t| !t.done.load(Ordering::Acquire)));
            tasks.push(Arc::downgrade(&state));
        }
        tokio::spawn(Tracked {
            waker: Waker::from(Arc::clone(&state)),
            state,
            future: Box::pin(future),
        });
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Agent for RequestTraversalAgent {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        let agent = self.clone();
        Box::pin(async move { agent.send(request).await })
    }
}

impl RequestTraversalAgent {
    /// Sends `request`, failing it when the deadline passes first.
    async fn send(&self, request: http::Request<Body>) -> treq::Result<http::Response<Body>> {
        let Some(deadline) = self.deadline() else {
            return self.exchange(request).await;
        };
        let method = request.method().clone();
        let url = url::Url::parse(&request.uri().to_string()).ok();
        match tokio::time::timeout(deadline, self.exchange(request)).await {
            Ok(outcome) => outcome,
            Err(_) => {
                let err = Error::custom(
                    ErrorKind::Timeout,
                    format!(
                        "the stubbed resource did not answer the {method} request within \
                         StubTreq's deadline of {deadline:?} (StubTreq::with_deadline changes it)"
                    ),
                    None,
                );
                Err(match url {
                    Some(url) => err.with_url(url),
                    None => err,
                })
            }
        }
    }

    async fn exchange(
        &self,
        mut request: http::Request<Body>,
    ) -> treq::Result<http::Response<Body>> {
        let scheme = request
            .uri()
            .scheme_str()
            .unwrap_or("")
            .to_ascii_lowercase();
        let secure = match scheme.as_str() {
            "http" => false,
            "https" => true,
            other => {
                return Err(Error::from_builder_failure(format!(
                "scheme {other:?} is not supported by RequestTraversalAgent (only http and https)"
            )))
            }
        };
        let Some(authority) = request.uri().authority().cloned() else {
            return Err(Error::from_builder_failure("the URL has no host"));
        };
        if !request.headers().contains_key(HOST) {
            let host = host_header(&authority, secure);
            let value = http::HeaderValue::from_str(&host)
                .map_err(|_| Error::from_builder_failure("the host is not a valid Host header"))?;
            request.headers_mut().insert(HOST, value);
        }
        // HTTP/1.1 clients send the origin form; the scheme reaches the
        // server side through `secure`, the host through `Host`.
        let origin = request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/")
            .parse::<http::Uri>()
            .map_err(|e| Error::from_builder_failure(format!("invalid request target: {e}")))?;
        *request.uri_mut() = origin;

        let mut sender = match self.idle_sender(secure) {
            Some(sender) => sender,
            None => self.connect(secure).await?,
        };
        let response = sender.send_request(request);
        self.release(secure, sender);
        let response = response.await.map_err(Error::from_request_failure)?;
        Ok(response.map(Body::wrap))
    }
}

impl RequestTraversalAgent {
    /// An idle connection ready for a request now. Busy ones (a response
    /// still streaming) stay pooled; closed ones are dropped.
    fn idle_sender(&self, secure: bool) -> Option<Sender> {
        let mut idle = lock(&self.shared.idle[usize::from(secure)]);
        idle.retain(|s| !s.is_closed());
        let ready = idle.iter().position(Sender::is_ready)?;
        Some(idle.swap_remove(ready))
    }

    /// Keeps the connection for later requests (up to `MAX_IDLE`; dropping
    /// the sender of an extra one closes it once its response is done).
    fn release(&self, secure: bool, sender: Sender) {
        let mut idle = lock(&self.shared.idle[usize::from(secure)]);
        if idle.len() < MAX_IDLE && !sender.is_closed() {
            idle.push(sender);
        }
    }

    /// A fresh in-memory connection: pipe, both handshakes, one task.
    async fn connect(&self, secure: bool) -> treq::Result<Sender> {
        let (client_io, server_io) = tokio::io::duplex(PIPE_CAPACITY);
        let (sender, client_conn) = hyper::client::conn::http1::handshake(TokioIo::new(client_io))
            .await
            .map_err(Error::from_request_failure)?;
        let server = Arc::clone(&self.shared.server);
        let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
            serve(Arc::clone(&server), secure, req)
        });
        let server_conn = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(server_io), service);
        self.spawn(async move {
            // The client side decides when the exchange is over; if the
            // server side ends first (Connection: close), let the client
            // read what is left. Owned (boxed) so that a finished side is
            // dropped at once: its half of the pipe closes and the other
            // side sees EOF.
            match select(Box::pin(client_conn), Box::pin(server_conn)).await {
                Either::Left((_, server_conn)) => drop(server_conn),
                Either::Right((_, client_conn)) => {
                    let _ = client_conn.await;
                }
            }
        });
        Ok(sender)
    }
}

/// `host[:port]`, without the scheme's default port.
fn host_header(authority: &http::uri::Authority, secure: bool) -> String {
    let default = if secure { 443 } else { 80 };
    match authority.port_u16() {
        Some(port) if port != default => format!("{}:{port}", authority.host()),
        _ => authority.host().to_owned(),
    }
}

/// The server side of one request: rebuild the absolute URI, call the
/// resource (catching panics), apply any fault.
async fn serve(
    shared: Arc<ServerSide>,
    secure: bool,
    request: http::Request<Incoming>,
) -> Result<http::Response<Body>, InjectedFault> {
    let (mut parts, body) = request.into_parts();
    let scheme = if secure { "https" } else { "http" };
    if let Some(host) = parts.headers.get(HOST).and_then(|h| h.to_str().ok()) {
        let pq = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        if let Ok(uri) = format!("{scheme}://{host}{pq}").parse() {
            parts.uri = uri;
        }
    }
    let request = ServerRequest::new(http::Request::from_parts(parts, Body::wrap(body)), secure);
    let call = std::panic::catch_unwind(AssertUnwindSafe(|| shared.resource.call(request)));
    let outcome = match call {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(panic) => Err(panic),
    };
    let response = match outcome {
        Ok(response) => response,
        Err(panic) => {
            let message = panic_message(&*panic);
            lock(&shared.failures).push(message.clone());
            http::Response::builder()
                .status(500)
                .body(Body::from(format!("the resource panicked: {message}")))
                .unwrap_or_default()
        }
    };
    fault::apply(response).await
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}

/// What `flush` needs to know about one connection task.
struct TaskState {
    /// Woken since its last poll (so it may progress).
    notified: AtomicBool,
    /// Being polled right now (multi-threaded runtimes).
    running: AtomicBool,
    done: AtomicBool,
    /// The runtime's waker for the task, forwarded to on wake.
    outer: Mutex<Option<Waker>>,
}

impl TaskState {
    fn is_idle(&self) -> bool {
        self.done.load(Ordering::Acquire)
            || !(self.notified.load(Ordering::Acquire) || self.running.load(Ordering::Acquire))
    }
}

impl Wake for TaskState {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.notified.store(true, Ordering::Release);
        if let Some(waker) = lock(&self.outer).as_ref() {
            waker.wake_by_ref();
        }
    }
}

/// A future that records wake-ups in its [`TaskState`].
struct Tracked<F> {
    state: Arc<TaskState>,
    waker: Waker,
    future: Pin<Box<F>>,
}

impl<F: Future<Output = ()>> Future for Tracked<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.state.running.store(true, Ordering::Release);
        {
            let mut outer = lock(&this.state.outer);
            if !outer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *outer = Some(cx.waker().clone());
            }
        }
        this.state.notified.store(false, Ordering::Release);
        let result = this
            .future
            .as_mut()
            .poll(&mut Context::from_waker(&this.waker));
        if result.is_ready() {
            this.state.done.store(true, Ordering::Release);
        }
        this.state.running.store(false, Ordering::Release);
        result
    }
}
