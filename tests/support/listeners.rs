//! Loopback servers for the transport tests, on the test's own runtime: an
//! HTTP/2-only server (no HTTP/1.1 at all), a server that records each
//! client's address, and servers on a Unix domain socket. Each answers with
//! the request's HTTP version and `Host` header (`"HTTP/2.0 host"`). The
//! accept loop stops when the handle drops.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// Which protocol a listener serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Serve {
    /// HTTP/2 only: an HTTP/1.1 request is a protocol error.
    Http2Only,
    /// HTTP/1.1, or HTTP/2 when the connection starts with its preface.
    Auto,
}

/// A running listener: its address (TCP) and the client addresses it saw.
pub struct Listener {
    pub addr: Option<SocketAddr>,
    peers: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    /// The client address (`ip:port`, or `unix`) of each accepted
    /// connection, in order.
    pub fn peers(&self) -> Vec<String> {
        self.peers.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr.expect("a TCP listener"))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(req: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("-")
        .to_string();
    let text = format!("{:?} {host}", req.version());
    Ok(http::Response::new(Full::new(Bytes::from(text))))
}

async fn serve<S>(io: S, mode: Serve)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(answer);
    let io = TokioIo::new(io);
    match mode {
        Serve::Http2Only => {
            let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .serve_connection(io, service)
                .await;
        }
        Serve::Auto => {
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(io, service)
                .await;
        }
    }
}

/// A TCP listener on 127.0.0.1:0.
pub async fn tcp(mode: Serve) -> Listener {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peers = Arc::new(Mutex::new(Vec::new()));
    let seen = peers.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            seen.lock().unwrap().push(peer.to_string());
            tokio::spawn(serve(stream, mode));
        }
    });
    Listener {
        addr: Some(addr),
        peers,
        task,
    }
}

/// A listener on a Unix domain socket at `path`.
#[cfg(unix)]
pub fn unix(path: &std::path::Path, mode: Serve) -> Listener {
    let listener = tokio::net::UnixListener::bind(path).unwrap();
    let peers = Arc::new(Mutex::new(Vec::new()));
    let seen = peers.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            seen.lock().unwrap().push("unix".to_string());
            tokio::spawn(serve(stream, mode));
        }
    });
    Listener {
        addr: None,
        peers,
        task,
    }
}

/// A fresh, empty directory under the system's temp dir, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("treq-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
