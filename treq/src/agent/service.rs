//! Adapter from any `tower::Service` to an [`Agent`](super::Agent).

use std::fmt;
use std::sync::Mutex;

use bytes::Bytes;

use super::{Agent, ResponseFuture};
use crate::error::BoxError;
use crate::{Body, Error};

/// Turns a `tower::Service<http::Request<treq::Body>>` into an [`Agent`].
///
/// The service is cloned for each request (tower services are cheap to clone
/// and `call` takes `&mut self`), driven to readiness, then called. Its
/// response body may be any `http_body::Body` with byte data. The service
/// need not be `Sync` (tower's `BoxCloneService` is not): it is kept behind a
/// lock held only while cloning it.
///
/// ```
/// use bytes::Bytes;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> treq::Result<()> {
/// let service = tower::service_fn(|req: http::Request<treq::Body>| async move {
///     let text = format!("you asked for {}", req.uri().path());
///     Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(Bytes::from(text))))
/// });
/// let client = treq::HttpClient::new(treq::agent::ServiceAgent::new(service));
/// let response = client.get("http://in.memory/hello").await?;
/// assert_eq!(response.text().await?, "you asked for /hello");
/// # Ok(()) }
/// ```
pub struct ServiceAgent<S> {
    service: Mutex<S>,
}

impl<S> ServiceAgent<S> {
    /// Wraps `service`.
    pub fn new(service: S) -> Self {
        ServiceAgent {
            service: Mutex::new(service),
        }
    }

    /// Unwraps the service.
    pub fn into_inner(self) -> S {
        self.service
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<S: Clone> ServiceAgent<S> {
    fn clone_service(&self) -> S {
        self.service
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl<S: Clone> Clone for ServiceAgent<S> {
    fn clone(&self) -> Self {
        ServiceAgent::new(self.clone_service())
    }
}

impl<S> fmt::Debug for ServiceAgent<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAgent")
            .field("service", &std::any::type_name::<S>())
            .finish()
    }
}

impl<S, B> Agent for ServiceAgent<S>
where
    S: tower_service::Service<http::Request<Body>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        let mut service = self.clone_service();
        Box::pin(async move {
            futures_util::future::poll_fn(|cx| service.poll_ready(cx))
                .await
                .map_err(|e| Error::from_boxed(e.into()))?;
            let response = service
                .call(request)
                .await
                .map_err(|e| Error::from_boxed(e.into()))?;
            Ok(response.map(Body::wrap))
        })
    }
}
