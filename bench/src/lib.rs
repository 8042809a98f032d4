//! What the benchmark binaries share: the small HTTP/1.1 origin every
//! client is measured against, so all of them meet the same server.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

/// The body of every answer of [`start_hello_server`] (13 bytes).
pub const BODY: &[u8] = b"Hello, world!";

/// Serves one connection with hyper's HTTP/1.1 server, answering every
/// request with `200` and `body`.
pub async fn serve_fixed<I>(io: I, body: &'static [u8])
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |_req| async move {
        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(body))))
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// Runs `server` on a thread of its own, on a current-thread runtime, so
/// the servers never share a thread with the clients measured.
pub fn run_on_own_thread(server: impl Future<Output = ()> + Send + 'static) {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime")
            .block_on(server);
    });
}

/// Starts the origin on 127.0.0.1 (its own thread, a current-thread
/// runtime), answering every request with [`BODY`].
pub fn start_hello_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("addr");
    run_on_own_thread(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(serve_fixed(stream, BODY));
        }
    });
    addr
}
