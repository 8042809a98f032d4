//! The server side of the in-memory stub: [`Resource`] (one async method
//! from a request to a response), the [`ServerRequest`] it receives, and the
//! resources this crate ships:
//!
//! - [`StringStubbingResource`]: answers each [`StubRequest`] from a plain
//!   function returning a [`StubResponse`] or a `(code, headers, body)` tuple;
//! - [`ServiceResource`]: any `tower::Service` (an axum `Router`);
//! - [`RecordingResource`]: keeps every request for later assertions;
//! - async closures, through [`resource_fn`];
//! - [`RequestSequence`](crate::RequestSequence) (requests expected in order).
//!
//! A response can carry a [`Fault`] (reset, truncated body, delay, hang).

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use treq::error::BoxError;
use treq::Body;

mod fault;
mod recording;
mod request;
mod service;
mod stubbing;

pub use self::fault::Fault;
pub(crate) use self::fault::{apply as apply_fault, has_fault, InjectedFault};
pub use self::recording::RecordingResource;
pub use self::request::ServerRequest;
pub use self::service::ServiceResource;
pub(crate) use self::stubbing::{answer_stub_request, MaskedHeaders};
pub use self::stubbing::{IntoStubBody, StringStubbingResource, StubRequest, StubResponse};

/// The future a [`Resource`] returns.
pub type ResourceFuture = Pin<Box<dyn Future<Output = http::Response<Body>> + Send + 'static>>;

/// A server-side handler that [`StubTreq`](crate::StubTreq) and
/// [`RequestTraversalAgent`](crate::RequestTraversalAgent) serve in memory.
///
/// One method. Implemented for:
/// - async closures `Fn(ServerRequest) -> impl Future<Output = R>` where `R` is
///   an `http::Response<B>` or a [`StubResponse`] (use
///   [`resource_fn`] to let the compiler infer the parameter type);
/// - [`ServiceResource`], which wraps any `tower::Service` (an axum `Router`);
/// - [`StringStubbingResource`], [`RecordingResource`] and
///   [`RequestSequence`](crate::RequestSequence).
///
/// A resource may answer later, stream its body over time or never answer;
/// if it panics, the client gets a 500 and the panic is reported to the test
/// (see [`StubTreq`](crate::StubTreq)).
pub trait Resource: Send + Sync + 'static {
    /// Answers one request.
    fn call(&self, request: ServerRequest) -> ResourceFuture;
}

impl<F, Fut, R> Resource for F
where
    F: Fn(ServerRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResourceResponse,
{
    fn call(&self, request: ServerRequest) -> ResourceFuture {
        let fut = self(request);
        Box::pin(async move { fut.await.into_resource_response() })
    }
}

/// Returns the closure unchanged, with a bound that lets the compiler infer
/// its parameter type (`|req| async move { ... }` instead of
/// `|req: ServerRequest| ...`).
///
/// ```
/// use treq_testing::resource::resource_fn;
/// use treq_testing::{StubResponse, StubTreq};
/// let stub = StubTreq::new(resource_fn(|req| async move {
///     StubResponse::new(200).body(req.uri().path().to_owned())
/// }));
/// ```
pub fn resource_fn<F, Fut, R>(f: F) -> F
where
    F: Fn(ServerRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResourceResponse,
{
    f
}

/// What a resource closure may return.
pub trait IntoResourceResponse {
    /// Converts into the response sent to the client.
    fn into_resource_response(self) -> http::Response<Body>;
}

impl<B> IntoResourceResponse for http::Response<B>
where
    B: http_body::Body + Send + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    fn into_resource_response(self) -> http::Response<Body> {
        self.map(Body::wrap)
    }
}
