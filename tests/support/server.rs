//! A real hyper server on 127.0.0.1:0, running on its own thread and runtime so
//! it outlives any one test runtime. Counts accepted connections. Handler
//! panics are re-raised when the `Server` is dropped.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

pub type ServerResponse =
    http::Response<http_body_util::combinators::BoxBody<Bytes, std::io::Error>>;

/// The request a handler receives, with its body already read.
#[derive(Debug, Clone)]
pub struct ServerRequest {
    pub method: http::Method,
    pub uri: http::Uri,
    pub version: http::Version,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl ServerRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }
    pub fn query(&self) -> &str {
        self.uri.query().unwrap_or("")
    }
}

/// Builds a response with a full body.
pub fn reply(status: u16, body: impl Into<Bytes>) -> ServerResponse {
    http::Response::builder()
        .status(status)
        .body(full(body))
        .unwrap()
}

pub fn full(body: impl Into<Bytes>) -> http_body_util::combinators::BoxBody<Bytes, std::io::Error> {
    Full::new(body.into())
        .map_err(|never| match never {})
        .boxed()
}

pub struct Server {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    panic: Arc<Mutex<Option<String>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    scheme: &'static str,
}

impl Server {
    /// An HTTP/1.1 + HTTP/2 (prior knowledge) server calling `handler` for each request.
    pub fn http<F, Fut>(handler: F) -> Server
    where
        F: Fn(ServerRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServerResponse> + Send + 'static,
    {
        Self::start(handler, None)
    }

    /// The same over TLS with the given server config (ALPN decides h2/http1.1).
    pub fn https<F, Fut>(tls: rustls::ServerConfig, handler: F) -> Server
    where
        F: Fn(ServerRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServerResponse> + Send + 'static,
    {
        Self::start(handler, Some(Arc::new(tls)))
    }

    fn start<F, Fut>(handler: F, tls: Option<Arc<rustls::ServerConfig>>) -> Server
    where
        F: Fn(ServerRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServerResponse> + Send + 'static,
    {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let panic = Arc::new(Mutex::new(None));
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let handler = Arc::new(handler);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let thread = {
            let accepted = accepted.clone();
            let panic = panic.clone();
            std::thread::Builder::new()
                .name(format!("test-server-{addr}"))
                .spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async move {
                        let listener = TcpListener::from_std(std_listener).unwrap();
                        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
                        loop {
                            let (stream, _) = tokio::select! {
                                res = listener.accept() => match res { Ok(s) => s, Err(_) => continue },
                                _ = &mut rx => break,
                            };
                            accepted.fetch_add(1, Ordering::SeqCst);
                            let handler = handler.clone();
                            let panic = panic.clone();
                            let acceptor = acceptor.clone();
                            tokio::spawn(async move {
                                let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                                    let handler = handler.clone();
                                    let panic = panic.clone();
                                    async move {
                                        let (parts, body) = req.into_parts();
                                        let body = match body.collect().await {
                                            Ok(b) => b.to_bytes(),
                                            Err(_) => Bytes::new(),
                                        };
                                        let req = ServerRequest {
                                            method: parts.method,
                                            uri: parts.uri,
                                            version: parts.version,
                                            headers: parts.headers,
                                            body,
                                        };
                                        let fut = handler(req);
                                        let res = tokio::spawn(fut).await;
                                        match res {
                                            Ok(r) => Ok::<_, Infallible>(r),
                                            Err(e) => {
                                                *panic.lock().unwrap() = Some(format!("{e}"));
                                                Ok(reply(500, "handler panicked"))
                                            }
                                        }
                                    }
                                });
                                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                                match acceptor {
                                    Some(acceptor) => {
                                        if let Ok(tls) = acceptor.accept(stream).await {
                                            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                                        }
                                    }
                                    None => {
                                        let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                                    }
                                }
                            });
                        }
                    });
                })
                .unwrap()
        };
        Server {
            addr,
            accepted,
            panic,
            shutdown: Some(tx),
            thread: Some(thread),
            scheme,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT{path}` (or https).
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.addr, path)
    }

    /// The URL with `localhost` as the host (for certificate name checks).
    pub fn url_with_host(&self, host: &str, path: &str) -> String {
        format!("{}://{}:{}{}", self.scheme, host, self.addr.port(), path)
    }

    /// How many TCP connections the server has accepted.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if !std::thread::panicking() {
            if let Some(msg) = self.panic.lock().unwrap().take() {
                panic!("test server handler panicked: {msg}");
            }
        }
    }
}

/// A raw TCP server: `handler` gets each accepted socket (for malformed
/// replies, trickling, dropping mid-body). Runs on its own thread.
pub struct RawServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RawServer {
    pub fn start<F, Fut>(handler: F) -> RawServer
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let handler = Arc::new(handler);
        let counter = accepted.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                loop {
                    let (stream, _) = tokio::select! {
                        res = listener.accept() => match res { Ok(s) => s, Err(_) => continue },
                        _ = &mut rx => break,
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(handler(stream));
                }
            });
        });
        RawServer {
            addr,
            accepted,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
