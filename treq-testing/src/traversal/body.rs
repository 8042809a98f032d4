//! The response body the client gets from an in-memory connection.
//!
//! When the response head arrives, the frames the connection has already
//! delivered are read at once (without waiting and without driving the
//! connection). A body that ended among them, the usual small stub answer, is
//! handed over in memory, so reading it costs no further polling; any other
//! body (streamed, late, failing, large) is a [`DrivenBody`] that yields the
//! frames read ahead first, then drives its connection each time it is read.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use treq::error::{BoxError, ErrorKind};
use treq::{Body, Error};

use super::driver::Driver;

/// The most body bytes read ahead; a longer body streams from there.
const READ_AHEAD_LIMIT: usize = 64 * 1024;

type Polled = Result<Frame<Bytes>, hyper::Error>;

/// The body of a response whose head just arrived over `driver`'s
/// connection: in memory if the connection already delivered all of it,
/// else a [`DrivenBody`], which fails a read that waits longer than
/// `deadline` for its next frame.
pub(crate) fn response_body(
    mut incoming: Incoming,
    driver: Arc<Driver>,
    deadline: Option<Duration>,
) -> Body {
    // No task waits on this poll: a frame not there yet is polled again,
    // with the reader's waker, when the body is read.
    let mut cx = Context::from_waker(Waker::noop());
    // The data read ahead: most bodies come in one chunk, kept as it is.
    let mut first: Option<Bytes> = None;
    let mut more: Vec<Bytes> = Vec::new();
    let mut len = 0;
    let mut other: Option<Polled> = None;
    while len < READ_AHEAD_LIMIT {
        match Pin::new(&mut incoming).poll_frame(&mut cx) {
            Poll::Ready(None) => {
                // The connection is not driven now: what is left for it (the
                // wake-up of this read) is done in the same poll as its next
                // request, or by whoever looks for an idle connection.
                return Body::from_bytes(concat(first, more, len));
            }
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(chunk) => {
                    len += chunk.len();
                    if first.is_none() {
                        first = Some(chunk);
                    } else {
                        more.push(chunk);
                    }
                }
                Err(frame) => {
                    other = Some(Ok(frame));
                    break;
                }
            },
            Poll::Ready(Some(Err(e))) => {
                other = Some(Err(e));
                break;
            }
            Poll::Pending => break,
        }
    }
    let ahead: VecDeque<Polled> = first
        .into_iter()
        .chain(more)
        .map(|d| Ok(Frame::data(d)))
        .chain(other)
        .collect();
    Body::wrap(DrivenBody {
        ahead,
        ahead_len: len as u64,
        inner: Some(incoming),
        driver,
        deadline,
        timer: None,
        waiting_since_frame: false,
    })
}

fn concat(first: Option<Bytes>, more: Vec<Bytes>, len: usize) -> Bytes {
    let Some(first) = first else {
        return Bytes::new();
    };
    if more.is_empty() {
        return first;
    }
    let mut all = BytesMut::with_capacity(len);
    all.extend_from_slice(&first);
    more.iter().for_each(|d| all.extend_from_slice(d));
    all.freeze()
}

/// A response body that yields the frames read ahead, then drives its
/// connection each time it is read.
pub(crate) struct DrivenBody {
    /// Frames read before the body was handed over, yielded first.
    ahead: VecDeque<Polled>,
    /// The data bytes in `ahead` (for the size hint).
    ahead_len: u64,
    /// `None` once it ended.
    inner: Option<Incoming>,
    driver: Arc<Driver>,
    /// The longest a read may wait for the next frame (StubTreq's deadline),
    /// so a resource whose body never goes on fails the test, not hangs it.
    deadline: Option<Duration>,
    /// Started by the first read that has to wait; reset by a later wait
    /// once a frame came in between.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Whether `timer` counts the current wait (no frame since it started).
    waiting_since_frame: bool,
}

impl DrivenBody {
    /// Whether the current wait for a frame has passed the deadline (and
    /// else arms the timer to wake the reader when it does).
    fn waited_too_long(&mut self, cx: &mut Context<'_>) -> Option<Duration> {
        let deadline = self.deadline?;
        let timer = match &mut self.timer {
            Some(timer) if self.waiting_since_frame => timer,
            Some(timer) => {
                timer.as_mut().reset(tokio::time::Instant::now() + deadline);
                timer
            }
            None => self.timer.insert(Box::pin(tokio::time::sleep(deadline))),
        };
        self.waiting_since_frame = true;
        timer.as_mut().poll(cx).is_ready().then_some(deadline)
    }
}

/// The error of a body read that waited past the deadline.
fn deadline_error(deadline: Duration) -> BoxError {
    Box::new(Error::custom(
        ErrorKind::Timeout,
        format!(
            "the stubbed resource sent no more of the response body within \
             StubTreq's deadline of {deadline:?} (StubTreq::with_deadline changes it)"
        ),
        None,
    ))
}

impl http_body::Body for DrivenBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if let Some(frame) = this.ahead.pop_front() {
            if let Ok(data) = frame.as_ref().map(Frame::data_ref) {
                this.ahead_len -= data.map_or(0, |d| d.len() as u64);
            }
            return Poll::Ready(Some(frame.map_err(Into::into)));
        }
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        this.driver.drive();
        let out = Pin::new(inner).poll_frame(cx);
        match out {
            Poll::Ready(None) => {
                this.inner = None;
                // Let the connection finish the exchange, so that it is
                // ready for the next request when it is taken from the pool.
                this.driver.drive();
            }
            Poll::Pending => {
                this.driver.wait(cx);
                if let Some(deadline) = this.waited_too_long(cx) {
                    // Given up: the connection sees the body dropped.
                    this.inner = None;
                    this.driver.drive();
                    return Poll::Ready(Some(Err(deadline_error(deadline))));
                }
            }
            Poll::Ready(Some(_)) => this.waiting_since_frame = false,
        }
        out.map(|frame| frame.map(|frame| frame.map_err(Into::into)))
    }

    fn is_end_stream(&self) -> bool {
        self.ahead.is_empty()
            && self
                .inner
                .as_ref()
                .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        let rest = self
            .inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), http_body::Body::size_hint);
        let mut hint = SizeHint::new();
        hint.set_lower(rest.lower() + self.ahead_len);
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper + self.ahead_len);
        }
        hint
    }
}

impl Drop for DrivenBody {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // A body dropped unread: the connection cannot be reused; let it
            // see that now.
            drop(inner);
            self.driver.drive();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures_util::FutureExt;
    use treq::Agent;

    use super::*;
    use crate::resource::resource_fn;
    use crate::RequestTraversalAgent;

    fn get(uri: &str) -> http::Request<Body> {
        http::Request::get(uri).body(Body::empty()).unwrap()
    }

    async fn next_frame(body: &mut Body) -> Option<Frame<Bytes>> {
        std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx))
            .await
            .map(|frame| frame.unwrap())
    }

    #[tokio::test]
    async fn a_body_complete_with_its_head_is_handed_over_in_memory() {
        let agent = RequestTraversalAgent::new(resource_fn(|_req| async {
            http::Response::new(Body::from("ok"))
        }));
        for _ in 0..2 {
            let response = agent.request(get("http://a.test/")).await.unwrap();
            assert_eq!(response.body().as_bytes(), Some(&b"ok"[..]));
            // The exchange is over: the connection is ready for the next one.
            assert_eq!(agent.live_connections(), 1);
        }
    }

    #[tokio::test]
    async fn a_body_still_arriving_streams_after_the_bytes_read_ahead() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
        let rx = Mutex::new(Some(rx));
        let agent = RequestTraversalAgent::new(resource_fn(move |_req| {
            let rx = rx.lock().unwrap().take().expect("one request");
            async move {
                let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
                    rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
                });
                http::Response::new(Body::sized_stream(chunks, 10))
            }
        }));
        tx.send(Bytes::from_static(b"0123")).unwrap();
        let response = agent.request(get("http://a.test/")).await.unwrap();
        let mut body = response.into_body();
        assert_eq!(body.as_bytes(), None, "not complete yet");
        assert_eq!(body.content_length(), Some(10), "the declared length");
        assert_eq!(
            next_frame(&mut body).await.unwrap().into_data().unwrap(),
            "0123"
        );
        {
            let mut rest = std::pin::pin!(next_frame(&mut body));
            assert!(
                (&mut rest).now_or_never().is_none(),
                "the rest is not there"
            );
            tx.send(Bytes::from_static(b"456789")).unwrap();
            agent.flush().await;
            let frame = rest.now_or_never().expect("flushed").unwrap();
            assert_eq!(frame.into_data().unwrap(), "456789");
        }
        assert!(next_frame(&mut body).await.is_none());
    }

    /// A resource whose body sends `chunks`, each `every` apart, then ends;
    /// or, with no chunks, never sends anything.
    fn trickling(every: Duration, chunks: usize) -> RequestTraversalAgent {
        RequestTraversalAgent::new(resource_fn(move |_req| async move {
            let body = futures_util::stream::unfold(0, move |sent| async move {
                if chunks == 0 {
                    std::future::pending::<()>().await;
                }
                (sent < chunks).then_some(())?;
                tokio::time::sleep(every).await;
                Some((
                    Ok::<_, std::io::Error>(Bytes::from_static(b"tick")),
                    sent + 1,
                ))
            });
            http::Response::new(Body::wrap_stream(body))
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_coming_fails_at_the_deadline_instead_of_hanging() {
        let agent = trickling(Duration::ZERO, 0);
        agent.set_deadline(Duration::from_secs(30));
        let response = agent.request(get("http://a.test/")).await.unwrap();
        let started = tokio::time::Instant::now();
        let read = tokio::time::timeout(
            Duration::from_secs(3600),
            response.into_body().collect_bytes(None),
        )
        .await
        .expect("still waiting after an hour of tokio time");
        let err = read.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(err.to_string().contains("with_deadline"), "{err}");
        assert_eq!(started.elapsed(), Duration::from_secs(30));
        // The connection saw the body given up: none is left open.
        agent.flush().await;
        assert_eq!(agent.live_connections(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_counts_each_wait_for_the_body_not_the_whole_body() {
        // 3 chunks 20 s apart: 60 s in all, each wait within the 30 s.
        let agent = trickling(Duration::from_secs(20), 3);
        agent.set_deadline(Duration::from_secs(30));
        let response = agent.request(get("http://a.test/")).await.unwrap();
        let body = response.into_body().collect_bytes(None).await.unwrap();
        assert_eq!(body, "tick".repeat(3));
        // No deadline: it waits as long as it takes.
        agent.set_deadline(None);
        let response = agent.request(get("http://a.test/")).await.unwrap();
        assert_eq!(
            response
                .into_body()
                .collect_bytes(None)
                .await
                .unwrap()
                .len(),
            12
        );
    }

    /// Data, then trailers.
    struct WithTrailers(u8);

    impl http_body::Body for WithTrailers {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            self.0 += 1;
            Poll::Ready(match self.0 {
                1 => Some(Ok(Frame::data(Bytes::from_static(b"data")))),
                2 => {
                    let mut trailers = http::HeaderMap::new();
                    trailers.insert("x-check", http::HeaderValue::from_static("7"));
                    Some(Ok(Frame::trailers(trailers)))
                }
                _ => None,
            })
        }
    }

    #[tokio::test]
    async fn trailers_read_ahead_are_kept_in_order() {
        let agent = RequestTraversalAgent::new(resource_fn(|_req| async {
            // hyper sends the trailers the head announces.
            http::Response::builder()
                .header("trailer", "x-check")
                .body(Body::wrap(WithTrailers(0)))
                .unwrap()
        }));
        let mut request = get("http://a.test/");
        request
            .headers_mut()
            .insert("te", http::HeaderValue::from_static("trailers"));
        let mut body = agent.request(request).await.unwrap().into_body();
        assert_eq!(
            next_frame(&mut body).await.unwrap().into_data().unwrap(),
            "data"
        );
        let trailers = next_frame(&mut body)
            .await
            .unwrap()
            .into_trailers()
            .unwrap();
        assert_eq!(trailers["x-check"], "7");
        assert!(next_frame(&mut body).await.is_none());
    }
}
