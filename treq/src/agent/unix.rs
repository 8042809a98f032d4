//! The socket under [`HyperAgent`](super::HyperAgent)'s connections: TCP
//! through hyper-util's `HttpConnector` (with the agent's resolver), or one
//! Unix domain socket for every request (`unix_socket`, the Docker API's
//! shape: the URL's host only fills the `Host` header).

use std::future::Future;
use std::io;
#[cfg(unix)]
use std::path::Path;
use std::pin::Pin;
#[cfg(unix)]
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use super::dns::Resolver;
use crate::error::BoxError;

/// Connects over TCP or to a Unix domain socket.
#[derive(Clone, Debug)]
pub(super) enum SocketConnector {
    Tcp(HttpConnector<Resolver>),
    #[cfg(unix)]
    Unix(Arc<Path>),
}

/// A connect failure of either kind, as one error type (the proxy layer
/// above needs a concrete `std::error::Error`); it shows and chains as the
/// failure it carries.
#[derive(Debug)]
pub(super) struct SocketError(BoxError);

impl std::fmt::Display for SocketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for SocketError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Service<Uri> for SocketConnector {
    type Response = Socket;
    type Error = SocketError;
    type Future = Pin<Box<dyn Future<Output = Result<Socket, SocketError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        match self {
            SocketConnector::Tcp(http) => http.poll_ready(cx).map_err(|e| SocketError(e.into())),
            #[cfg(unix)]
            SocketConnector::Unix(_) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        match self {
            SocketConnector::Tcp(http) => {
                let connecting = http.call(dst);
                Box::pin(async move {
                    match connecting.await {
                        Ok(stream) => Ok(Socket::Tcp(stream)),
                        Err(e) => Err(SocketError(e.into())),
                    }
                })
            }
            #[cfg(unix)]
            SocketConnector::Unix(path) => {
                let path = Arc::clone(path);
                Box::pin(async move {
                    match tokio::net::UnixStream::connect(&*path).await {
                        Ok(stream) => Ok(Socket::Unix(TokioIo::new(stream))),
                        Err(e) => Err(SocketError(Box::new(UnixConnectError {
                            path: path.display().to_string(),
                            source: e,
                        }))),
                    }
                })
            }
        }
    }
}

/// A Unix socket that could not be opened, naming its path.
#[cfg(unix)]
#[derive(Debug)]
struct UnixConnectError {
    path: String,
    source: io::Error,
}

#[cfg(unix)]
impl std::fmt::Display for UnixConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot connect to the Unix socket {}", self.path)
    }
}

#[cfg(unix)]
impl std::error::Error for UnixConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A connected TCP or Unix socket.
#[derive(Debug)]
pub(super) enum Socket {
    Tcp(TokioIo<TcpStream>),
    #[cfg(unix)]
    Unix(TokioIo<tokio::net::UnixStream>),
}

impl Connection for Socket {
    /// No extra of hyper-util's: its `HttpInfo` (the two addresses) for a
    /// TCP socket would be copied into every response's extensions, and
    /// nothing in treq reads it.
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// Calls `$method` on whichever socket `$self` holds.
macro_rules! both {
    ($self:expr, $io:ident => $call:expr) => {
        match $self.get_mut() {
            Socket::Tcp($io) => $call,
            #[cfg(unix)]
            Socket::Unix($io) => $call,
        }
    };
}

impl Read for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        both!(self, io => Pin::new(io).poll_read(cx, buf))
    }
}

impl Write for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        both!(self, io => Pin::new(io).poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        both!(self, io => Pin::new(io).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        both!(self, io => Pin::new(io).poll_shutdown(cx))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Socket::Tcp(io) => io.is_write_vectored(),
            #[cfg(unix)]
            Socket::Unix(io) => io.is_write_vectored(),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        both!(self, io => Pin::new(io).poll_write_vectored(cx, bufs))
    }
}
