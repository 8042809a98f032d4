//! The `Agent` trait: the one seam between the client and whatever sends requests.
//!
//! An agent takes an `http::Request<Body>` and returns a `Send + 'static` future
//! of the response. Every feature of the client (auth, decompression, redirects,
//! cookies) is a wrapper agent around an inner agent; [`HyperAgent`] is the
//! production transport and `treq_testing::RequestTraversalAgent` the in-memory one.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{Body, Error};

#[cfg(feature = "hyper-agent")]
mod connections;
#[cfg(feature = "hyper-agent")]
mod dns;
#[cfg(feature = "hyper-agent")]
mod handshake;
#[cfg(feature = "hyper-agent")]
mod hyper;
#[cfg(feature = "hyper-agent")]
mod identity;
mod layer;
#[cfg(feature = "hyper-agent")]
mod proxy;
#[cfg(feature = "hyper-agent")]
mod replay;
mod service;
#[cfg(test)]
pub(crate) mod spy;
#[cfg(feature = "hyper-agent")]
mod tls_alert;
#[cfg(feature = "hyper-agent")]
mod transport;
#[cfg(feature = "hyper-agent")]
mod unix;

#[cfg(feature = "hyper-agent")]
pub use self::dns::{Addrs, Name, Resolve, Resolving};
#[cfg(feature = "hyper-agent")]
pub use self::hyper::{HyperAgent, HyperAgentBuilder, RootStore};
pub(crate) use self::layer::{agent_of_layer, Inline, Layer, OnResponse, Then};
#[cfg(feature = "hyper-agent")]
pub use self::proxy::{NoProxy, Proxy};
pub use self::service::ServiceAgent;

/// The future an [`Agent`] returns.
pub type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Body>, Error>> + Send + 'static>>;

/// Sends one HTTP request and resolves to its response.
///
/// One method, object safe: `Arc<dyn Agent>` (see [`BoxAgent`]) works. The
/// future is `'static`, so implementations clone what they need (usually an
/// `Arc`) into it. The request URI is absolute (`scheme://host/path?query`).
///
/// ```
/// use treq::{agent::ResponseFuture, Agent, Body};
///
/// /// Answers every request with 204, without any network.
/// struct NoContent;
///
/// impl Agent for NoContent {
///     fn request(&self, _req: http::Request<Body>) -> ResponseFuture {
///         Box::pin(async {
///             Ok(http::Response::builder().status(204).body(Body::empty()).unwrap())
///         })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> treq::Result<()> {
/// let client = treq::HttpClient::new(NoContent);
/// assert_eq!(client.get("http://example.com/").await?.code(), 204);
/// # Ok(()) }
/// ```
pub trait Agent: Send + Sync + 'static {
    /// Sends `request` and resolves to the response head with a streaming body.
    fn request(&self, request: http::Request<Body>) -> ResponseFuture;
}

impl<A: Agent + ?Sized> Agent for Arc<A> {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        (**self).request(request)
    }
}

impl<A: Agent + ?Sized> Agent for Box<A> {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        (**self).request(request)
    }
}

impl<A: Agent + ?Sized> Agent for &'static A {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        (**self).request(request)
    }
}

/// A type-erased, cheaply cloneable agent.
///
/// ```
/// # use treq::{agent::BoxAgent, HttpClient};
/// # struct Mine; impl treq::Agent for Mine { fn request(&self, _r: http::Request<treq::Body>) -> treq::agent::ResponseFuture { unimplemented!() } }
/// let client: HttpClient<BoxAgent> = HttpClient::new(BoxAgent::new(Mine));
/// ```
#[derive(Clone)]
pub struct BoxAgent(Arc<dyn Agent>);

impl BoxAgent {
    /// Erases the type of `agent`.
    pub fn new(agent: impl Agent) -> Self {
        BoxAgent(Arc::new(agent))
    }
}

impl Agent for BoxAgent {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        self.0.request(request)
    }
}

impl fmt::Debug for BoxAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoxAgent")
    }
}
