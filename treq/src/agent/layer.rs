//! The trait the client's own layers implement: [`Agent`] without the box.
//!
//! Every layer returns its future by value, so the whole stack is one future
//! (boxed once, by `RequestBuilder`), instead of one heap allocation per
//! layer per request. A user's agent is reached through [`Transport`], the
//! bottom of the stack; the layers stay private, and `HttpClient` is the
//! only way to use them.

use std::future::Future;
use std::sync::Arc;

use super::Agent;
use crate::Body;

/// One layer of the stack (see the module docs).
pub(crate) trait Layer: Send + Sync + 'static {
    /// Sends `request` on and resolves to the response.
    fn request(
        &self,
        request: http::Request<Body>,
    ) -> impl Future<Output = crate::Result<http::Response<Body>>> + Send + 'static;
}

/// The user's agent, as the bottom layer.
pub(crate) struct Transport<A: ?Sized>(pub(crate) Arc<A>);

impl<A: Agent + ?Sized> Layer for Transport<A> {
    fn request(
        &self,
        request: http::Request<Body>,
    ) -> impl Future<Output = crate::Result<http::Response<Body>>> + Send + 'static {
        Agent::request(&*self.0, request)
    }
}
