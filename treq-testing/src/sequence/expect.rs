//! [`Expect`]: one expected request, a matcher per field.

use std::fmt;

use crate::matchers::{
    AnyMatcher, BodyField, BoxMatcher, HeadersField, IntoMatcher, MethodField, MultiMap,
    ParamsField, UrlField,
};
use crate::resource::StubRequest;

/// One expected request: a matcher per field (method, URL, params, headers,
/// body). Fields left unset match anything.
///
/// ```
/// use treq_testing::matchers::{any, has_headers, regex};
/// use treq_testing::Expect;
/// let e = Expect::new("GET", "http://an.example/foo")
///     .headers(has_headers([("Accept", ["application/json"])]))
///     .body(any());
/// let e = Expect::new(any(), regex("^https://"));
/// ```
pub struct Expect {
    pub(crate) method: BoxMatcher<str>,
    pub(crate) url: BoxMatcher<str>,
    pub(crate) params: BoxMatcher<MultiMap>,
    pub(crate) headers: BoxMatcher<MultiMap>,
    pub(crate) body: BoxMatcher<[u8]>,
}

impl Expect {
    /// Expects this method (case-insensitive, or any matcher) and URL (exact
    /// after normalisation, or any matcher).
    pub fn new(method: impl IntoMatcher<MethodField>, url: impl IntoMatcher<UrlField>) -> Self {
        Expect {
            method: method.into_matcher(),
            url: url.into_matcher(),
            params: Box::new(AnyMatcher),
            headers: Box::new(AnyMatcher),
            body: Box::new(AnyMatcher),
        }
    }

    /// Expects these params (query plus form fields); see
    /// [`params_exact`](crate::matchers::params_exact).
    pub fn params(mut self, params: impl IntoMatcher<ParamsField>) -> Self {
        self.params = params.into_matcher();
        self
    }

    /// Expects these headers, usually a [`HasHeaders`](crate::matchers::HasHeaders).
    pub fn headers(mut self, headers: impl IntoMatcher<HeadersField>) -> Self {
        self.headers = headers.into_matcher();
        self
    }

    /// Expects this body (exact bytes, a [`regex`](crate::matchers::regex()),
    /// [`json_body`](crate::matchers::json_body), ...).
    pub fn body(mut self, body: impl IntoMatcher<BodyField>) -> Self {
        self.body = body.into_matcher();
        self
    }

    /// The names of the fields `request` does not match, in the order
    /// method, url, params, headers, body (empty if it matches). A request
    /// that could not be read whole ([`StubRequest::read_error`]) never
    /// matches on params, whatever the matcher: what the client sent is
    /// unknown.
    pub fn mismatches(&self, request: &StubRequest) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.method.matches(&request.method) {
            out.push("method");
        }
        if !self.url.matches(&request.url) {
            out.push("url");
        }
        if request.read_error.is_some() || !self.params.matches(&request.params) {
            out.push("params");
        }
        if !self.headers.matches(&request.headers) {
            out.push("headers");
        }
        if !self.body.matches(&request.body) {
            out.push("body");
        }
        out
    }
}

impl fmt::Debug for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} {:?} params={:?} headers={:?} body={:?}",
            self.method, self.url, self.params, self.headers, self.body
        )
    }
}
