//! One deadline from send to the last body byte: the agent future and every
//! body read race the same `tokio::time::Instant`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use tokio::time::{Instant, Sleep};

use crate::error::{self, BoxError};
use crate::Body;

/// When a request must be finished by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    pub(crate) fn after(timeout: Duration) -> Self {
        let now = Instant::now();
        // `Duration::MAX` and the like would overflow (and panic); a deadline
        // decades away is the same as none.
        let far = Duration::from_secs(100 * 365 * 24 * 60 * 60);
        Deadline(
            now.checked_add(timeout.min(far))
                .unwrap_or(now + Duration::from_secs(1 << 30)),
        )
    }

    /// Runs `future`, failing with a timeout error at the deadline.
    pub(crate) async fn run<T>(
        &self,
        future: impl Future<Output = crate::Result<T>>,
    ) -> crate::Result<T> {
        match tokio::time::timeout_at(self.0, future).await {
            Ok(result) => result,
            Err(_elapsed) => Err(error::timeout()),
        }
    }

    /// Wraps a response body so that reading it past the deadline fails.
    pub(crate) fn wrap_body(&self, body: Body) -> Body {
        Body::wrap(DeadlineBody {
            inner: body,
            sleep: Box::pin(tokio::time::sleep_until(self.0)),
        })
    }
}

struct DeadlineBody {
    inner: Body,
    sleep: Pin<Box<Sleep>>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(error::timeout())))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn huge_timeouts_do_not_overflow() {
        let deadline = Deadline::after(Duration::MAX);
        assert_eq!(deadline.run(async { Ok(7) }).await.unwrap(), 7);
        let body = deadline.wrap_body(Body::from("ok"));
        assert_eq!(body.collect_bytes(None).await.unwrap(), "ok");
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_covers_the_body() {
        let deadline = Deadline::after(Duration::from_millis(100));
        let body = deadline.wrap_body(Body::wrap_stream(futures_util::stream::pending::<
            Result<Bytes, std::io::Error>,
        >()));
        let err = body.collect_bytes(None).await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
    }
}
