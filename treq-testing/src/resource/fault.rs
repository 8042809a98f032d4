//! Fault injection: a resource can make the in-memory connection misbehave
//! (reset, truncate the body, answer late or never) so that retry and timeout
//! paths of the code under test can be exercised.
//!
//! Attach a fault to a [`StubResponse`](crate::StubResponse) with
//! [`fault`](crate::StubResponse::fault), or return
//! [`Fault::into_response`] from any resource. Delays use tokio's clock, so
//! under `#[tokio::test(start_paused = true)]` they take no real time.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http_body::{Frame, SizeHint};
use treq::error::BoxError;
use treq::Body;

/// A way for the server side of the in-memory connection to fail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Close the connection without answering: the client's request fails
    /// (`Error::is_request`), like a connection reset.
    Reset,
    /// Send the headers (with the full `Content-Length`) and at most the
    /// first `after` bytes of the body, then close: reading the body always
    /// fails (`Error::is_body`), because the body is always cut short of its
    /// end. A body of `n` bytes lets `min(after, n - 1)` through, so an
    /// `after` of `n` or more still drops the last byte; an empty body is
    /// announced as one byte long and sends none. A streamed body of unknown
    /// length (sent chunked) stops after `after` bytes, or without its final
    /// chunk if it ends first.
    TruncateBody {
        /// At most how many body bytes get through.
        after: usize,
    },
    /// Wait this long (tokio time) before sending the response.
    Delay(Duration),
    /// Never answer (until the client gives up, e.g. on its timeout).
    Hang,
}

/// The fault plan carried in a response's extensions, applied by the
/// traversal agent's server side.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultPlan {
    pub(crate) delay: Option<Duration>,
    pub(crate) fault: Option<Fault>,
}

impl FaultPlan {
    pub(crate) fn add(&mut self, fault: Fault) {
        match fault {
            Fault::Delay(d) => self.delay = Some(self.delay.unwrap_or_default() + d),
            other => self.fault = Some(other),
        }
    }
}

impl Fault {
    /// A response (500, empty) that applies this fault; for `Delay`, the
    /// 500 is sent after the delay.
    pub fn into_response(self) -> http::Response<Body> {
        let mut response = http::Response::builder()
            .status(500)
            .body(Body::empty())
            .unwrap_or_default();
        self.attach(&mut response);
        response
    }

    /// Applies this fault to an existing response (several faults combine:
    /// a delay plus a truncation, for example).
    pub fn attach<B>(self, response: &mut http::Response<B>) {
        let ext = response.extensions_mut();
        match ext.get_mut::<FaultPlan>() {
            Some(plan) => plan.add(self),
            None => {
                let mut plan = FaultPlan::default();
                plan.add(self);
                ext.insert(plan);
            }
        }
    }
}

/// Why the in-memory server dropped the connection (shown in the client's error chain).
#[derive(Debug)]
pub(crate) struct InjectedFault(pub(crate) &'static str);

impl std::fmt::Display for InjectedFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "injected fault: {}", self.0)
    }
}

impl std::error::Error for InjectedFault {}

/// True if `response` carries a fault for [`apply`] to apply.
pub(crate) fn has_fault<B>(response: &http::Response<B>) -> bool {
    response.extensions().get::<FaultPlan>().is_some()
}

/// Applies the plan: waits for the delay, then returns the response to send,
/// or an error that makes hyper close the connection.
pub(crate) async fn apply(
    mut response: http::Response<Body>,
) -> Result<http::Response<Body>, InjectedFault> {
    let Some(plan) = response.extensions_mut().remove::<FaultPlan>() else {
        return Ok(response);
    };
    if let Some(delay) = plan.delay {
        tokio::time::sleep(delay).await;
    }
    match plan.fault {
        None => Ok(response),
        Some(Fault::Reset) => Err(InjectedFault("connection reset")),
        Some(Fault::Hang) => std::future::pending().await,
        Some(Fault::TruncateBody { after }) => Ok(truncate(response, after)),
        Some(Fault::Delay(_)) => Ok(response),
    }
}

/// Cuts the body of `response` short of its end, so that reading it fails
/// whatever `after` is (see [`Fault::TruncateBody`]).
fn truncate(mut response: http::Response<Body>, after: usize) -> http::Response<Body> {
    // The length the client is told: the resource's own Content-Length if
    // it set one (hyper sends that), else the body's.
    let announced = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .or_else(|| http_body::Body::size_hint(response.body()).exact());
    let (remaining, announce) = match announced {
        // Nothing to cut: announce a byte that never comes.
        Some(0) => (0, Some(1)),
        Some(length) => {
            let last = usize::try_from(length - 1).unwrap_or(usize::MAX);
            (after.min(last), None)
        }
        // Chunked: ending without the final chunk is the failure.
        None => (after, None),
    };
    if let Some(length) = announce {
        response
            .headers_mut()
            .insert(CONTENT_LENGTH, http::HeaderValue::from(length));
    }
    response.map(|body| {
        Body::wrap(Truncated {
            inner: body,
            remaining,
            yielded: false,
            announce,
        })
    })
}

/// Passes `remaining` bytes through, then fails (also if the inner body ends
/// first); the size hint stays the original one (or `announce`) so the
/// client expects the full length.
struct Truncated {
    inner: Body,
    remaining: usize,
    yielded: bool,
    announce: Option<u64>,
}

impl Truncated {
    fn fail(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        // Yield once first: hyper flushes what it buffered (the head and the
        // bytes let through) only when the body is pending; an error right
        // away would drop them.
        if !self.yielded {
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(Box::new(InjectedFault("truncated body")))))
    }
}

impl http_body::Body for Truncated {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.remaining == 0 {
            return self.fail(cx);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(mut data) => {
                    if data.len() > self.remaining {
                        data.truncate(self.remaining);
                    }
                    self.remaining -= data.len();
                    Poll::Ready(Some(Ok(Frame::data(data))))
                }
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            Poll::Ready(None) => {
                // Shorter than `after`: its end must not be sent either.
                self.remaining = 0;
                self.fail(cx)
            }
            other => other,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.announce {
            Some(length) => SizeHint::with_exact(length),
            None => self.inner.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::resource_fn;
    use crate::{ServerRequest, StubResponse, StubTreq};

    /// The announced length and the outcome of reading a body served with
    /// `fault`.
    async fn read(body: Body, fault: Fault) -> (Option<u64>, treq::Result<Bytes>) {
        let body = std::sync::Mutex::new(Some(body));
        let stub = StubTreq::new(resource_fn(move |_req: ServerRequest| {
            let body = body.lock().unwrap().take().unwrap_or_default();
            let mut response = http::Response::new(body);
            fault.clone().attach(&mut response);
            async move { response }
        }));
        let resp = stub.get("http://a.test/").await.unwrap();
        (resp.length(), resp.content().await)
    }

    #[tokio::test]
    async fn truncating_at_or_past_the_length_still_fails_the_read() {
        for after in [5, 6, 1000] {
            let (length, read) = read(Body::from("hello"), Fault::TruncateBody { after }).await;
            assert_eq!(length, Some(5), "the full length is announced");
            let err = read.expect_err("the read fails");
            assert!(err.is_body(), "after {after}: {err:?}");
        }
    }

    #[tokio::test]
    async fn truncating_an_empty_body_announces_a_byte_and_fails_the_read() {
        let (length, read) = read(Body::empty(), Fault::TruncateBody { after: 0 }).await;
        assert_eq!(length, Some(1));
        assert!(read.expect_err("the read fails").is_body());
        // Through a StubResponse, whose body is empty by default.
        let stub = StubTreq::new(resource_fn(|_req: ServerRequest| async {
            StubResponse::new(200).fault(Fault::TruncateBody { after: 3 })
        }));
        let resp = stub.get("http://a.test/").await.unwrap();
        assert!(resp.content().await.unwrap_err().is_body());
    }

    #[tokio::test]
    async fn a_streamed_body_shorter_than_the_cut_fails_the_read() {
        let chunks = [
            Ok::<_, std::io::Error>(Bytes::from("he")),
            Ok(Bytes::from("llo")),
        ];
        let body = Body::wrap_stream(futures_util::stream::iter(chunks));
        let (length, read) = read(body, Fault::TruncateBody { after: 100 }).await;
        assert_eq!(length, None, "sent chunked");
        assert!(read.expect_err("the read fails").is_body());
    }

    #[tokio::test]
    async fn the_bytes_before_the_cut_get_through() {
        let stub = StubTreq::new(resource_fn(|_req: ServerRequest| async {
            StubResponse::new(200)
                .body("hello")
                .fault(Fault::TruncateBody { after: 9 })
        }));
        let resp = stub.get("http://a.test/").await.unwrap();
        let mut got = Vec::new();
        let read = resp.collect(|chunk| got.extend_from_slice(&chunk)).await;
        let err = read.expect_err("the read fails");
        assert_eq!(got, b"hell", "all but the last byte");
        assert!(err.is_body(), "{err:?}");
    }
}
