//! [`ServiceResource`]: a `tower::Service` (an axum `Router`) as a resource.

use std::fmt;

use bytes::Bytes;
use treq::error::BoxError;
use treq::Body;

use super::{Resource, ResourceFuture, ServerRequest};

/// Serves a `tower::Service` (for example an axum `Router`) as a [`Resource`].
///
/// The service receives the request with an absolute URI
/// (`scheme://host/path?query`) and a [`treq::Body`]; it is cloned for each
/// request. A service error answers 500 with the error text.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{routing::get, Router};
/// use treq_testing::resource::ServiceResource;
/// use treq_testing::StubTreq;
///
/// let app = Router::new().route("/hello", get(|| async { "hi" }));
/// let stub = StubTreq::new(ServiceResource::new(app));
/// let resp = stub.get("http://app.test/hello").await.unwrap();
/// assert_eq!(resp.text().await.unwrap(), "hi");
/// # }
/// ```
pub struct ServiceResource<S> {
    // Driving the service (readiness, call, body conversion) is the client
    // side's `ServiceAgent`: one adapter serves both directions.
    agent: treq::agent::ServiceAgent<S>,
}

impl<S> ServiceResource<S> {
    /// Wraps `service`.
    pub fn new(service: S) -> Self {
        ServiceResource {
            agent: treq::agent::ServiceAgent::new(service),
        }
    }
}

impl<S: Clone> Clone for ServiceResource<S> {
    fn clone(&self) -> Self {
        ServiceResource {
            agent: self.agent.clone(),
        }
    }
}

impl<S> fmt::Debug for ServiceResource<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceResource")
            .field("service", &std::any::type_name::<S>())
            .finish()
    }
}

impl<S, B> Resource for ServiceResource<S>
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
    fn call(&self, request: ServerRequest) -> ResourceFuture {
        use treq::Agent as _;
        let response = self.agent.request(request.into_http());
        Box::pin(async move {
            match response.await {
                Ok(response) => response,
                Err(e) => {
                    // The service's own error text (the treq error wraps it).
                    let text = std::error::Error::source(&e)
                        .map_or_else(|| e.to_string(), ToString::to_string);
                    http::Response::builder()
                        .status(500)
                        .body(Body::from(format!("service error: {text}")))
                        .unwrap_or_default()
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service that always fails, to check the 500 answer.
    #[derive(Clone)]
    struct Failing;

    impl tower_service::Service<http::Request<Body>> for Failing {
        type Response = http::Response<Body>;
        type Error = std::io::Error;
        type Future = std::future::Ready<Result<http::Response<Body>, std::io::Error>>;

        fn poll_ready(
            &mut self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), std::io::Error>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn call(&mut self, _req: http::Request<Body>) -> Self::Future {
            std::future::ready(Err(std::io::Error::other("the database is down")))
        }
    }

    #[tokio::test]
    async fn a_service_error_answers_500_with_its_text() {
        let resource = ServiceResource::new(Failing);
        let request = ServerRequest::new(
            http::Request::get("http://app.test/x")
                .body(Body::empty())
                .unwrap(),
            false,
        );
        let response = resource.call(request).await;
        assert_eq!(response.status(), 500);
        let body = response.into_body().collect_bytes(None).await.unwrap();
        assert_eq!(body, "service error: the database is down");
    }
}
