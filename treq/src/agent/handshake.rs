//! The connect timeout over the TLS handshake with the origin.
//!
//! Each step of opening a connection has the agent's connect timeout: the
//! name lookup (`dns.rs`), the TCP connect (hyper-util's `HttpConnector`),
//! a proxy's handshake (`proxy/connector.rs`) and, here, the TLS handshake
//! that hyper-rustls runs over the stream those steps made. A server that
//! accepts the TCP connection and then never answers the ClientHello would
//! otherwise hold the request forever (curl's and reqwest's connect
//! timeouts cover the handshake too).
//!
//! hyper-rustls makes the stream and the handshake in one future, so the
//! step below it says when its stream is ready ([`transport_ready`], a
//! task-local flag set by the proxy connector, which every connection
//! passes) and [`bounded`] starts the handshake's clock from then. Only a
//! new connection runs this code; a request on a pooled one never does.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use crate::error::BoxError;

tokio::task_local! {
    /// Set while a connection is being opened under [`bounded`].
    static STREAM_READY: Arc<AtomicBool>;
}

/// Says that the stream under the TLS handshake is ready: from now on the
/// connection waits on the handshake (or on nothing, for plain HTTP).
pub(super) fn transport_ready() {
    let _outside_bounded = STREAM_READY.try_with(|ready| ready.store(true, Ordering::Relaxed));
}

/// Runs `connect` (the stream, then the TLS handshake over it), failing it
/// as timed out when the handshake takes longer than `limit` (`None`: no
/// limit).
pub(super) async fn bounded<T, E>(
    limit: Option<Duration>,
    connect: impl Future<Output = Result<T, E>>,
) -> Result<T, BoxError>
where
    E: Into<BoxError>,
{
    let Some(limit) = limit else {
        return connect.await.map_err(Into::into);
    };
    let ready = Arc::new(AtomicBool::new(false));
    let mut connect = pin!(STREAM_READY.scope(Arc::clone(&ready), connect));
    let mut handshake_deadline = None;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(connected) = connect.as_mut().poll(cx) {
            return Poll::Ready(connected.map_err(Into::into));
        }
        if handshake_deadline.is_none() && ready.load(Ordering::Relaxed) {
            handshake_deadline = Some(Box::pin(tokio::time::sleep(limit)));
        }
        let expired = match &mut handshake_deadline {
            Some(deadline) => deadline.as_mut().poll(cx).is_ready(),
            None => false,
        };
        if expired {
            return Poll::Ready(Err(handshake_timed_out(limit)));
        }
        Poll::Pending
    })
    .await
}

/// An I/O `TimedOut`, so `Error::is_timeout` holds.
fn handshake_timed_out(limit: Duration) -> BoxError {
    Box::new(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("the TLS handshake took longer than the connect timeout of {limit:?}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(5);

    #[tokio::test(start_paused = true)]
    async fn the_clock_starts_when_the_stream_is_ready() {
        // A slow stream (longer than the limit) that then connects at once.
        let connected = bounded(Some(LIMIT), async {
            tokio::time::sleep(LIMIT * 3).await;
            transport_ready();
            Ok::<_, BoxError>("connected")
        });
        assert_eq!(connected.await.unwrap(), "connected");
    }

    #[tokio::test(start_paused = true)]
    async fn a_handshake_that_never_ends_times_out() {
        let started = tokio::time::Instant::now();
        let stalled = bounded(Some(LIMIT), async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            transport_ready();
            std::future::pending::<Result<(), BoxError>>().await
        });
        let err = stalled.await.unwrap_err();
        let io = err.downcast_ref::<std::io::Error>().unwrap();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("TLS handshake"), "{err}");
        assert_eq!(started.elapsed(), Duration::from_secs(1) + LIMIT);
    }

    #[tokio::test(start_paused = true)]
    async fn no_clock_before_the_stream_is_ready() {
        // The steps below have their own timeouts; this one waits for them.
        let waiting = bounded(Some(LIMIT), std::future::pending::<Result<(), BoxError>>());
        let outcome = tokio::time::timeout(LIMIT * 10, waiting).await;
        assert!(outcome.is_err(), "fired before the stream was ready");
    }

    #[tokio::test(start_paused = true)]
    async fn a_flag_set_outside_bounded_is_ignored() {
        // No panic outside a connection, and nothing carried into the next.
        transport_ready();
        let waiting = bounded(Some(LIMIT), std::future::pending::<Result<(), BoxError>>());
        let outcome = tokio::time::timeout(LIMIT * 10, waiting).await;
        assert!(outcome.is_err(), "a flag from outside started the clock");
    }
}
