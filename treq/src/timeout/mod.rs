//! Time limits on a request.
//!
//! - `timeout`: one [`Deadline`] from send to the last body byte; the agent
//!   future and every body read race the same `tokio::time::Instant`.
//! - `read_timeout`: the longest the server may stay silent. The innermost
//!   wrapper agent ([`ReadTimeoutAgent`]) bounds the wait for each response
//!   head (reset while a streamed request body is still going out) and wraps
//!   each response body so every frame resets the timer, as reqwest does.
//!   Being innermost, it covers every hop of a redirect chain and every
//!   digest retry, and the reads the other layers make (decompression,
//!   drains) go through it.
//! - `body::drain`: the bounded read of a body the client throws away.
//!
//! Both timeouts fail with [`ErrorKind::Timeout`](crate::error::ErrorKind::Timeout);
//! the message says which one fired. Whichever fires first wins.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use tokio::time::{Instant, Sleep};

use crate::agent::{agent_of_layer, Inline, Layer};
use crate::error::{self, BoxError};
use crate::extensions::ReadTimeout;
use crate::Body;

mod agent;
pub(crate) use self::agent::ReadTimeoutAgent;

/// A duration so long it means "no limit"; longer ones would overflow an
/// `Instant` (and panic).
const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// `now + limit`, saturating at a deadline decades away.
fn instant_after(now: Instant, limit: Duration) -> Instant {
    now.checked_add(limit.min(FAR))
        .unwrap_or(now + Duration::from_secs(1 << 30))
}

/// When a request must be finished by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    limit: Duration,
}

impl Deadline {
    pub(crate) fn after(timeout: Duration) -> Self {
        Deadline {
            at: instant_after(Instant::now(), timeout),
            limit: timeout,
        }
    }

    fn error(&self) -> crate::Error {
        error::timeout().with_message(format!(
            "request timed out: the whole request took longer than its {:?} timeout",
            self.limit
        ))
    }

    /// Wraps a response body so that reading it past the deadline fails.
    pub(crate) fn wrap_body(&self, body: Body) -> Body {
        Body::wrap(DeadlineBody {
            inner: body,
            sleep: Box::pin(tokio::time::sleep_until(self.at)),
            deadline: *self,
        })
    }
}

/// `future`, failing with a timeout error at `deadline` if there is one.
/// The timer is boxed and made only for a deadline: a request without one
/// waits in the inner future plus a word.
pub(crate) fn bounded<F>(future: F, deadline: Option<&Deadline>) -> Bounded<F> {
    Bounded {
        inner: future,
        timer: deadline.map(|d| (Box::pin(tokio::time::sleep_until(d.at)), *d)),
    }
}

/// The future of [`bounded`].
pub(crate) struct Bounded<F> {
    inner: F,
    timer: Option<(Pin<Box<Sleep>>, Deadline)>,
}

impl<F, T> Future for Bounded<F>
where
    F: Future<Output = crate::Result<T>> + Unpin,
{
    type Output = crate::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // The inner future first: an answer that is ready at the deadline wins.
        if let Poll::Ready(out) = Pin::new(&mut this.inner).poll(cx) {
            return Poll::Ready(out);
        }
        if let Some((timer, deadline)) = &mut this.timer {
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(deadline.error()));
            }
        }
        Poll::Pending
    }
}

struct DeadlineBody {
    inner: Body,
    sleep: Pin<Box<Sleep>>,
    deadline: Deadline,
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
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(self.deadline.error())))),
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
    use super::agent::idle_limited;
    use super::*;
    use crate::body::{drain, DRAIN_TIME};
    use futures_util::StreamExt;

    fn pending_body() -> Body {
        Body::wrap_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>())
    }

    /// One chunk every `gap`, `count` times.
    fn trickle(gap: Duration, count: usize) -> Body {
        let chunks = futures_util::stream::iter(0..count).then(move |_| async move {
            tokio::time::sleep(gap).await;
            Ok::<_, std::io::Error>(Bytes::from_static(b"x"))
        });
        Body::wrap_stream(chunks)
    }

    #[tokio::test]
    async fn huge_timeouts_do_not_overflow() {
        let deadline = Deadline::after(Duration::MAX);
        let answer = Box::pin(async { Ok(7) });
        assert_eq!(bounded(answer, Some(&deadline)).await.unwrap(), 7);
        let body = deadline.wrap_body(Body::from("ok"));
        assert_eq!(body.collect_bytes(None).await.unwrap(), "ok");
        let body = idle_limited(trickle(Duration::from_millis(1), 2), Duration::MAX);
        assert_eq!(body.collect_bytes(None).await.unwrap(), "xx");
    }

    #[tokio::test(start_paused = true)]
    async fn a_bounded_future_fails_at_its_deadline_and_waits_without_one() {
        let deadline = Deadline::after(Duration::from_millis(100));
        let never = Box::pin(std::future::pending::<crate::Result<()>>());
        let err = bounded(never, Some(&deadline)).await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(err.to_string().contains("100ms timeout"), "{err}");
        let slow = Box::pin(async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(1)
        });
        assert_eq!(bounded(slow, None).await.unwrap(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_covers_the_body() {
        let deadline = Deadline::after(Duration::from_millis(100));
        let body = deadline.wrap_body(pending_body());
        let err = body.collect_bytes(None).await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(err.to_string().contains("100ms timeout"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_idle_timer_fires_on_silence_and_resets_on_each_frame() {
        let limit = Duration::from_millis(100);
        let err = idle_limited(pending_body(), limit)
            .collect_bytes(None)
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(err.to_string().contains("no data"), "{err}");

        // 20 chunks 60 ms apart: 1.2 s in all, never 100 ms of silence.
        let body = idle_limited(trickle(Duration::from_millis(60), 20), limit);
        assert_eq!(body.collect_bytes(None).await.unwrap().len(), 20);

        let body = idle_limited(trickle(Duration::from_millis(150), 2), limit);
        assert!(body.collect_bytes(None).await.unwrap_err().is_timeout());
    }

    #[tokio::test(start_paused = true)]
    async fn time_spent_not_reading_does_not_count() {
        let body = idle_limited(
            trickle(Duration::from_millis(10), 1),
            Duration::from_millis(50),
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(body.collect_bytes(None).await.unwrap(), "x");
    }

    #[tokio::test(start_paused = true)]
    async fn a_drain_is_bounded_in_size_and_time() {
        assert_eq!(drain(Body::from("small"), None).await.unwrap(), "small");
        assert_eq!(
            drain(trickle(Duration::from_millis(10), 3), None)
                .await
                .unwrap(),
            "xxx"
        );

        let started = Instant::now();
        assert!(drain(pending_body(), None).await.is_none());
        assert!(started.elapsed() >= DRAIN_TIME);
        assert!(started.elapsed() < DRAIN_TIME + Duration::from_millis(10));

        let started = Instant::now();
        let short = Duration::from_millis(200);
        assert!(drain(pending_body(), Some(short)).await.is_none());
        assert!(started.elapsed() >= short);
        assert!(started.elapsed() < short + Duration::from_millis(10));

        let flood = futures_util::stream::repeat_with(|| {
            Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 1024]))
        });
        assert!(drain(Body::wrap_stream(flood), None).await.is_none());
    }
}
