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
    /// Send the headers (with the full `Content-Length`) and only the first
    /// `after` bytes of the body, then close: reading the body fails
    /// (`Error::is_body`).
    TruncateBody {
        /// How many body bytes get through.
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
        Some(Fault::TruncateBody { after }) => Ok(response.map(|body| {
            Body::wrap(Truncated {
                inner: body,
                remaining: after,
                yielded: false,
            })
        })),
        Some(Fault::Delay(_)) => Ok(response),
    }
}

/// Passes `remaining` bytes through, then fails; the size hint stays the
/// original one so the client expects the full length.
struct Truncated {
    inner: Body,
    remaining: usize,
    yielded: bool,
}

impl http_body::Body for Truncated {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.remaining == 0 {
            // Yield once first: hyper flushes what it buffered (the head and
            // the bytes let through) only when the body is pending; an error
            // right away would drop them.
            if !self.yielded {
                self.yielded = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            return Poll::Ready(Some(Err(Box::new(InjectedFault("truncated body")))));
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
            other => other,
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
