//! Remembers the TLS failure that ended a connection, so the request it
//! broke reports it.
//!
//! Over HTTP/2 the connection's reads belong to hyper's connection task: when
//! the server ends TLS with an alert after the handshake (a TLS 1.3 server
//! refusing the client's certificate does exactly that), the task sees the
//! rustls error and the waiting request only learns that the connection
//! closed. The wrapper here records the first rustls error read or written on
//! the connection in its [`ConnectionState`], where
//! [`classify`](super::hyper::classify) finds it through the connection's
//! info. The same wrapper carries the connection's state and its share of
//! the per-host cap for `connections.rs`: it is the only wrapper above the
//! socket that every read and write passes, besides hyper-rustls' own.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};

use super::connections::{ConnectionState, SocketPermit};
use crate::error::{self, BoxError};

/// Where one connection's first rustls error is kept.
#[derive(Debug, Default)]
struct Seen(ConnectionState);

impl Seen {
    fn note<T>(&self, result: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if let Poll::Ready(Err(e)) = &result {
            if self.0.tls_failure().is_none() {
                error::chain_any(e, &|e| match e.downcast_ref::<rustls::Error>() {
                    Some(tls) => {
                        self.0.note_tls(tls);
                        true
                    }
                    None => false,
                });
            }
        }
        result
    }
}

/// The TLS failure recorded on the connection a request failed on, if any.
pub(super) fn seen(info: Option<&Connected>) -> Option<rustls::Error> {
    ConnectionState::of(info?)?.tls_failure().cloned()
}

/// The one wrapper of a pooled connection, above TLS: it records the
/// connection's first TLS failure in its [`ConnectionState`], which it also
/// hands hyper-util as the connection's extra, and holds the connection's
/// share of its host's cap (released when hyper drops the connection).
#[derive(Debug)]
pub(super) struct Watched<T> {
    io: T,
    seen: Seen,
    /// A write error held back until the server's last bytes are read.
    write_failed: Option<io::Error>,
    _permit: Option<SocketPermit>,
}

impl<T> Watched<T> {
    pub(super) fn new(io: T, state: ConnectionState, permit: Option<SocketPermit>) -> Self {
        Watched {
            io,
            seen: Seen(state),
            write_failed: None,
            _permit: permit,
        }
    }
}

impl<T: Connection> Connection for Watched<T> {
    fn connected(&self) -> Connected {
        self.io.connected().extra(self.seen.0.clone())
    }
}

impl<T: Read + Unpin> Read for Watched<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.seen.note(Pin::new(&mut this.io).poll_read(cx, buf))
    }
}

impl<T: Read + Unpin> Watched<T> {
    /// A failed write is reported once what the server sent before it
    /// closed has been read: its TLS alert, if any, explains the failure
    /// (the server closed the connection after it, and the write found the
    /// socket gone). The connection is dead, so nothing read is lost; the
    /// read ends at the socket's error or end, which follow a closed peer.
    #[cold]
    fn after_write<U>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<U>>,
    ) -> Poll<io::Result<U>> {
        let result = match result {
            Poll::Ready(Err(e)) => {
                self.write_failed = Some(e);
                Poll::Pending
            }
            other => other,
        };
        let Some(failed) = self.write_failed.take() else {
            return result;
        };
        let mut scratch = [0u8; 512];
        for _ in 0..64 {
            let mut buf = hyper::rt::ReadBuf::new(&mut scratch);
            match self
                .seen
                .note(Pin::new(&mut self.io).poll_read(cx, buf.unfilled()))
            {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => continue,
                Poll::Pending => {
                    self.write_failed = Some(failed);
                    return Poll::Pending;
                }
                Poll::Ready(_) => break,
            }
        }
        Poll::Ready(Err(failed))
    }

    fn write_with<U>(
        &mut self,
        cx: &mut Context<'_>,
        write: impl FnOnce(Pin<&mut T>, &mut Context<'_>) -> Poll<io::Result<U>>,
    ) -> Poll<io::Result<U>> {
        if self.write_failed.is_some() {
            return self.after_write(cx, Poll::Pending);
        }
        match self.seen.note(write(Pin::new(&mut self.io), cx)) {
            failed @ Poll::Ready(Err(_)) => self.after_write(cx, failed),
            // The common case: nothing held back, nothing failed.
            result => result,
        }
    }
}

impl<T: Read + Write + Unpin> Write for Watched<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .write_with(cx, |io, cx| io.poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().write_with(cx, |io, cx| io.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .write_with(cx, |io, cx| io.poll_write_vectored(cx, bufs))
    }
}

/// A request that failed because the server ended the connection's TLS.
#[derive(Debug)]
pub(super) struct TlsEnded {
    pub(super) tls: rustls::Error,
    pub(super) source: BoxError,
}

impl std::fmt::Display for TlsEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the connection's TLS failed: {}", self.tls)
    }
}

impl std::error::Error for TlsEnded {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_rustls_error_is_kept_and_others_ignored() {
        let seen = Seen::default();
        let plain: Poll<io::Result<()>> = Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        let _ = seen.note(plain);
        assert!(seen.0.tls_failure().is_none());
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired);
        let tls: Poll<io::Result<()>> = Poll::Ready(Err(io::Error::new(
            io::ErrorKind::InvalidData,
            alert.clone(),
        )));
        let _ = seen.note(tls);
        let later: Poll<io::Result<()>> =
            Poll::Ready(Err(io::Error::other(rustls::Error::DecryptError)));
        let _ = seen.note(later);
        assert_eq!(seen.0.tls_failure(), Some(&alert));
    }
}
