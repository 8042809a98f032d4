//! Adapter from any `tower::Service` to an [`Agent`](super::Agent).

use std::fmt;

use bytes::Bytes;

use super::{Agent, ResponseFuture};
use crate::error::BoxError;
use crate::{Body, Error};

/// Turns a `tower::Service<http::Request<treq::Body>>` into an [`Agent`].
///
/// The service is cloned for each request (tower services are cheap to clone
/// and `call` takes `&mut self`), driven to readiness, then called. Its
/// response body may be any `http_body::Body` with byte data.
#[derive(Clone)]
pub struct ServiceAgent<S> {
    service: S,
}

impl<S> ServiceAgent<S> {
    /// Wraps `service`.
    pub fn new(service: S) -> Self {
        ServiceAgent { service }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.service
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
        + Sync
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        let mut service = self.service.clone();
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
