//! The decompression layer: asks for the enabled codings and decodes the
//! response body as it streams.

use std::sync::OnceLock;

use super::*;

/// Decodes gzip, deflate, br and zstd responses (each a cargo feature).
///
/// Sits outside the redirect layer, so only the final response of a redirect
/// chain is decoded (as in treq).
pub(crate) struct DecompressAgent<A> {
    inner: Arc<A>,
    accept: Option<HeaderValue>,
    limit: Option<u64>,
    /// The client's buffered-body limit, for a request without its own
    /// [`RequestLimit`].
    body_limit: Option<u64>,
}

impl<A> DecompressAgent<A> {
    /// Wraps `inner` with the default limit of 1 GiB of decoded data per response.
    #[cfg(test)]
    pub(crate) fn new(inner: A) -> Self {
        Self::with_limit(inner, Some(DEFAULT_LIMIT))
    }

    /// Wraps `inner`; a response decoding to more than `limit` bytes (in any
    /// of its layers) fails with a body-limit error (`None`: no limit).
    pub(crate) fn with_limit(inner: A, limit: Option<u64>) -> Self {
        DecompressAgent {
            inner: Arc::new(inner),
            accept: accept_encoding(),
            limit,
            body_limit: None,
        }
    }

    /// The client's buffered-body limit: a request without its own
    /// [`RequestLimit`] decodes at most that much too.
    pub(crate) fn body_limit(mut self, limit: Option<u64>) -> Self {
        self.body_limit = limit;
        self
    }
}

/// `Accept-Encoding` for the enabled codings (`None`: none enabled). The
/// set is fixed when the crate is built, so the value is made once and its
/// text is static: a copy for each request counts no reference.
fn accept_encoding() -> Option<HeaderValue> {
    static ACCEPT: OnceLock<Option<HeaderValue>> = OnceLock::new();
    ACCEPT
        .get_or_init(|| {
            let names = Coding::ENABLED.iter().map(|c| c.name()).collect::<Vec<_>>();
            (!names.is_empty()).then(|| {
                let text: &'static str = Box::leak(names.join(", ").into_boxed_str());
                HeaderValue::from_static(text)
            })
        })
        .clone()
}

impl<A> fmt::Debug for DecompressAgent<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecompressAgent")
            .field("accept", &self.accept)
            .field("limit", &self.limit)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

agent_of_layer!(DecompressAgent);

impl<A: StackLayer> StackLayer for DecompressAgent<A> {
    type Future = Then<A::Future, Decode>;

    fn call(&self, mut request: http::Request<Body>) -> Self::Future {
        let body_limit = match request.extensions_mut().remove::<RequestLimit>() {
            Some(RequestLimit(own)) => own,
            None => self.body_limit,
        };
        let limit = match (self.limit, body_limit) {
            (Some(decoded), Some(body)) => Some(decoded.min(body)),
            (decoded, body) => decoded.or(body),
        };
        let Some(accept) = &self.accept else {
            return Then::pass(StackLayer::call(&*self.inner, request));
        };
        // The request is already our own copy of the caller's headers: appending
        // keeps the caller's values first.
        request
            .headers_mut()
            .append(ACCEPT_ENCODING, accept.clone());
        let is_head = request.method() == Method::HEAD;
        Then::new(
            StackLayer::call(&*self.inner, request),
            Decode { is_head, limit },
        )
    }
}

/// How the decompression layer decodes a response (see `decode_response`).
pub(crate) struct Decode {
    is_head: bool,
    limit: Option<u64>,
}

impl OnResponse for Decode {
    fn on_response(self, response: http::Response<Body>) -> http::Response<Body> {
        decode_response(response, self.is_head, self.limit)
    }
}
