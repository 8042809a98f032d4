//! The server side of the in-memory connection: each request goes to the
//! resource, with its absolute URI rebuilt, panics caught and faults applied.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use http::header::HOST;
use hyper::body::Incoming;
use treq::Body;

use super::lock;
use crate::resource::{apply_fault, has_fault, InjectedFault, Resource, ServerRequest};

/// What every connection's server side shares: the resource and the panic
/// messages it left.
pub(crate) struct ServerSide {
    pub(crate) resource: Box<dyn Resource>,
    pub(crate) failures: Mutex<Vec<String>>,
}

/// The server side of one connection: its scheme, and the authority of the
/// last `Host` it saw after its first request (the next request, most often
/// to the same host, reuses it instead of parsing it again).
pub(crate) struct ServerConnection {
    shared: Arc<ServerSide>,
    secure: bool,
    served: Cell<bool>,
    // The header's bytes are a copy: a slice of hyper's read buffer would
    // keep that buffer from being reused.
    last_host: RefCell<Option<(Box<[u8]>, http::uri::Authority)>>,
}

impl ServerConnection {
    pub(crate) fn new(shared: Arc<ServerSide>, secure: bool) -> Self {
        ServerConnection {
            shared,
            secure,
            served: Cell::new(false),
            last_host: RefCell::new(None),
        }
    }

    /// The authority a `Host` header names, if it is one.
    fn authority(&self, host: &http::HeaderValue) -> Option<http::uri::Authority> {
        let mut last = self.last_host.borrow_mut();
        if let Some((bytes, authority)) = &*last {
            if **bytes == *host.as_bytes() {
                return Some(authority.clone());
            }
        }
        let authority = http::uri::Authority::try_from(host.as_bytes()).ok()?;
        // Kept from the second request on: a connection serving one request
        // (a test's only one) pays nothing for it.
        if self.served.replace(true) {
            *last = Some((host.as_bytes().into(), authority.clone()));
        }
        Some(authority)
    }

    /// Serves one request: see [`serve`].
    pub(crate) fn serve(
        &self,
        request: http::Request<Incoming>,
    ) -> impl Future<Output = Result<http::Response<Body>, InjectedFault>> + Send + 'static {
        let (mut parts, body) = request.into_parts();
        if let Some(authority) = parts.headers.get(HOST).and_then(|h| self.authority(h)) {
            let mut uri = std::mem::take(&mut parts.uri).into_parts();
            uri.scheme = Some(if self.secure {
                http::uri::Scheme::HTTPS
            } else {
                http::uri::Scheme::HTTP
            });
            uri.authority = Some(authority);
            if uri.path_and_query.is_none() {
                uri.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
            }
            // A scheme, an authority and a path always make a URI.
            parts.uri = http::Uri::from_parts(uri).unwrap_or_default();
        }
        serve(Arc::clone(&self.shared), self.secure, parts, body)
    }
}

/// The server side of one request (its URI made absolute): call the
/// resource (catching panics), apply any fault. The resource is called at
/// once; the future waits for its answer.
fn serve(
    shared: Arc<ServerSide>,
    secure: bool,
    parts: http::request::Parts,
    body: Incoming,
) -> impl Future<Output = Result<http::Response<Body>, InjectedFault>> + Send + 'static {
    // A body known to be empty (no Content-Length or Transfer-Encoding, or a
    // zero length) is in memory: reading it needs no polling.
    let body = if http_body::Body::is_end_stream(&body) {
        Body::empty()
    } else {
        Body::wrap(body)
    };
    let request = ServerRequest::new(http::Request::from_parts(parts, body), secure);
    let call = std::panic::catch_unwind(AssertUnwindSafe(|| shared.resource.call(request)));
    async move {
        let outcome = match call {
            Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
            Err(panic) => Err(panic),
        };
        let response = match outcome {
            Ok(response) => response,
            Err(panic) => {
                let message = panic_message(&*panic);
                lock(&shared.failures).push(message.clone());
                http::Response::builder()
                    .status(500)
                    .body(Body::from(format!("the resource panicked: {message}")))
                    .unwrap_or_default()
            }
        };
        if has_fault(&response) {
            // Boxed: applying a fault (a delay's timer) is a large future,
            // and most responses carry none.
            Box::pin(apply_fault(response)).await
        } else {
            Ok(response)
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use treq::Agent;

    use crate::resource::resource_fn;
    use crate::{RequestTraversalAgent, ServerRequest};

    #[tokio::test]
    async fn a_request_without_a_body_reaches_the_resource_with_an_empty_one_in_memory() {
        let agent = RequestTraversalAgent::new(resource_fn(|req: ServerRequest| async move {
            let body = req.as_http().body();
            let status = if body.as_bytes() == Some(&b""[..]) {
                200
            } else {
                500
            };
            http::Response::builder()
                .status(status)
                .body(treq::Body::empty())
                .unwrap()
        }));
        let request = http::Request::get("http://a.test/")
            .body(treq::Body::empty())
            .unwrap();
        let response = agent.request(request).await.unwrap();
        assert_eq!(response.status(), 200);
    }
}
