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
//! - [`drain`]: the bounded read of a body the client throws away.
//!
//! Both timeouts fail with [`ErrorKind::Timeout`](crate::ErrorKind::Timeout);
//! the message says which one fired. Whichever fires first wins.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use tokio::time::{Instant, Sleep};

use crate::agent::{Agent, ResponseFuture};
use crate::error::{self, BoxError};
use crate::Body;

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

    /// Runs `future`, failing with a timeout error at the deadline.
    pub(crate) async fn run<T>(
        &self,
        future: impl Future<Output = crate::Result<T>>,
    ) -> crate::Result<T> {
        match tokio::time::timeout_at(self.at, future).await {
            Ok(result) => result,
            Err(_elapsed) => Err(self.error()),
        }
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

/// The request's read timeout, carried in the request extensions (so every
/// hop and retry the layers make carries it too).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadTimeout(pub(crate) Duration);

impl ReadTimeout {
    /// The read timeout of a request, if it has one.
    pub(crate) fn of(extensions: &http::Extensions) -> Option<Duration> {
        extensions.get::<ReadTimeout>().map(|t| t.0)
    }
}

fn read_timed_out(limit: Duration) -> crate::Error {
    error::timeout().with_message(format!(
        "read timed out: no data from the server for {limit:?} (read_timeout)"
    ))
}

/// Innermost wrapper agent: applies the request's [`ReadTimeout`] to the wait
/// for the response head and to every read of the response body.
pub(crate) struct ReadTimeoutAgent<A> {
    inner: A,
}

impl<A> ReadTimeoutAgent<A> {
    pub(crate) fn new(inner: A) -> Self {
        ReadTimeoutAgent { inner }
    }
}

impl<A: Agent> Agent for ReadTimeoutAgent<A> {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        let Some(limit) = ReadTimeout::of(request.extensions()) else {
            return self.inner.request(request);
        };
        let last_progress = Arc::new(Mutex::new(Instant::now()));
        // A streamed request body may take longer than `limit` to go out:
        // each chunk sent counts as progress. An in-memory body is one frame.
        let request = if request.body().as_bytes().is_some() {
            request
        } else {
            let progress = Arc::clone(&last_progress);
            request.map(|body| {
                Body::wrap(UploadProgress {
                    inner: body,
                    last: progress,
                })
            })
        };
        let mut head = self.inner.request(request);
        Box::pin(async move {
            loop {
                let since = *last_progress.lock().unwrap_or_else(|e| e.into_inner());
                match tokio::time::timeout_at(instant_after(since, limit), &mut head).await {
                    Ok(response) => return Ok(response?.map(|body| idle_limited(body, limit))),
                    Err(_elapsed) => {
                        let latest = *last_progress.lock().unwrap_or_else(|e| e.into_inner());
                        if latest == since {
                            return Err(read_timed_out(limit));
                        }
                    }
                }
            }
        })
    }
}

/// Notes the time each request body frame is handed to the transport.
struct UploadProgress {
    inner: Body,
    last: Arc<Mutex<Instant>>,
}

impl http_body::Body for UploadProgress {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(_))) = &polled {
            *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

/// A response body whose every read fails after `limit` without a frame. An
/// in-memory body cannot stall and is returned as it is.
fn idle_limited(body: Body, limit: Duration) -> Body {
    if body.as_bytes().is_some() {
        return body;
    }
    Body::wrap(IdleBody {
        inner: body,
        limit,
        sleep: Box::pin(tokio::time::sleep(limit.min(FAR))),
        armed: false,
    })
}

struct IdleBody {
    inner: Body,
    limit: Duration,
    sleep: Pin<Box<Sleep>>,
    /// Whether `sleep` is counting: it starts when a read finds no data (time
    /// the caller spends not reading does not count) and stops at each frame.
    armed: bool,
}

impl http_body::Body for IdleBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            self.armed = false;
            return Poll::Ready(frame);
        }
        if !self.armed {
            let at = instant_after(Instant::now(), self.limit);
            self.sleep.as_mut().reset(at);
            self.armed = true;
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(read_timed_out(self.limit))))),
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

/// The most of a discarded body the client reads before giving up on it.
pub(crate) const DRAIN_LIMIT: u64 = 64 * 1024;

/// The longest the client spends reading a discarded body (less when the
/// request's read timeout is shorter).
pub(crate) const DRAIN_TIME: Duration = Duration::from_secs(1);

/// Reads a body the client does not hand to the caller (a redirect's, a
/// 401's before the retry) so that, when it is small, its connection goes back
/// to the pool. It reads at most [`DRAIN_LIMIT`] bytes for at most
/// [`DRAIN_TIME`] (or `read_timeout`, if shorter); a body that is larger,
/// slower or endless is dropped instead, and hyper then closes its connection
/// rather than reuse it. Returns the body when it was read to its end.
pub(crate) async fn drain(body: Body, read_timeout: Option<Duration>) -> Option<Bytes> {
    if body.as_bytes().is_some() {
        // Already in memory: nothing to wait for (and no timer needed).
        return body.collect_bytes(None).await.ok();
    }
    let time = read_timeout.map_or(DRAIN_TIME, |t| t.min(DRAIN_TIME));
    match tokio::time::timeout(time, body.collect_bytes(Some(DRAIN_LIMIT))).await {
        Ok(Ok(bytes)) => Some(bytes),
        Ok(Err(_)) | Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(deadline.run(async { Ok(7) }).await.unwrap(), 7);
        let body = deadline.wrap_body(Body::from("ok"));
        assert_eq!(body.collect_bytes(None).await.unwrap(), "ok");
        let body = idle_limited(trickle(Duration::from_millis(1), 2), Duration::MAX);
        assert_eq!(body.collect_bytes(None).await.unwrap(), "xx");
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
