//! Turns a [`PendingRequest`] into the `http::Request` the stack receives:
//! the client's default headers under the request's own, the generated body
//! and its `Content-Type`, the request's cookies merged into the session jar,
//! and the request-scoped values the layers read (see `extensions`).

use std::time::Duration;

use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONNECTION};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::Method;

use super::{params, set_generated, Payload, PendingRequest};
use crate::cookie::CookieJar;
use crate::error;
use crate::extensions::{mark_sensitive, ReadTimeout, RedirectOptions, RequestLimit, RequestUrl};
use crate::Body;

const JSON: HeaderValue = HeaderValue::from_static("application/json; charset=UTF-8");
const FORM: HeaderValue = HeaderValue::from_static("application/x-www-form-urlencoded");

/// The default most bytes a buffered read may hold: 128 MiB (why: see
/// `ClientBuilder::max_body_size`).
pub(crate) const DEFAULT_MAX_BODY_SIZE: u64 = 128 << 20;

/// The client-wide defaults a request falls back on.
#[derive(Debug, Clone)]
pub(crate) struct Defaults {
    pub(crate) headers: HeaderMap,
    /// Extra names treated like `Authorization` (hidden, stripped across origins).
    pub(crate) sensitive_headers: Vec<HeaderName>,
    pub(crate) timeout: Option<Duration>,
    /// The longest the server may stay silent (see `ClientBuilder::read_timeout`).
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) max_redirects: usize,
    /// The most bytes a buffered read may hold (`None`: no limit).
    pub(crate) max_body_size: Option<u64>,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            headers: HeaderMap::new(),
            sensitive_headers: Vec::new(),
            timeout: None,
            read_timeout: None,
            max_redirects: 20,
            max_body_size: Some(DEFAULT_MAX_BODY_SIZE),
        }
    }
}

/// A request ready for the stack, and what the client needs to wrap its
/// response.
pub(crate) struct Assembled {
    pub(crate) request: http::Request<Body>,
    pub(crate) url: super::Target,
    /// The whole-request deadline, from now.
    pub(crate) timeout: Option<Duration>,
    pub(crate) unbuffered: bool,
    pub(crate) max_body_size: Option<u64>,
}

impl PendingRequest {
    /// Whether the body is a file whose length is not known yet: then
    /// [`resolve_file_length`](Self::resolve_file_length) must run before
    /// [`assemble`](Self::assemble), so the request can say `Content-Length`.
    pub(crate) fn needs_file_length(&self) -> bool {
        matches!(&self.payload, Payload::Data(body) if body.needs_length())
    }

    /// Reads the length of a file body from the file system.
    pub(crate) async fn resolve_file_length(&mut self) -> crate::Result<()> {
        if let Payload::Data(body) = std::mem::take(&mut self.payload) {
            let body = body.resolve_length().await.map_err(|e| {
                error::builder_with("could not read the file's length", e).or_url(self.url.url())
            })?;
            self.payload = Payload::Data(body);
        }
        Ok(())
    }

    /// A body the request builder makes (multipart, JSON or a form), with
    /// its `Content-Type`. Out of line, as the other rare steps of
    /// assembling are: a plain request's code stays small.
    #[cold]
    #[inline(never)]
    fn generated_body(
        &mut self,
        files: Option<Vec<(String, crate::multipart::Part)>>,
        payload: Payload,
        headers: &mut http::HeaderMap,
    ) -> crate::Result<Body> {
        Ok(match (files, payload) {
            (Some(files), _) => {
                let (content_type, body) =
                    crate::multipart::encode(self.form.take().unwrap_or_default(), files)
                        .map_err(|e| e.or_url(self.url.url()))?;
                set_generated(headers, CONTENT_TYPE, content_type);
                body
            }
            (None, Payload::Json(bytes)) => {
                set_generated(headers, CONTENT_TYPE, JSON);
                Body::from_bytes(bytes)
            }
            (None, Payload::Data(body)) => body,
            (None, Payload::None) => match self.form.take() {
                Some(pairs) => {
                    set_generated(headers, CONTENT_TYPE, FORM);
                    let mut encoded = String::new();
                    for (key, value) in &pairs {
                        params::push_pair(&mut encoded, key, value);
                    }
                    Body::from(encoded)
                }
                None => Body::empty(),
            },
        })
    }

    /// Builds the request the stack receives (see the module docs). A file
    /// body's length is read before (see `needs_file_length`); the request
    /// stays boxed, so its options are never moved whole.
    ///
    /// The common request (no body to generate, no cookies, no setting of
    /// its own) runs straight through; each rarer step is a call out of
    /// line, so the common one touches little code (measured with
    /// `bench/callgrind.sh`: the code a request runs is what it costs in
    /// instruction-cache misses at high concurrency).
    pub(crate) fn assemble(
        mut self: Box<Self>,
        defaults: &Defaults,
        jar: Option<&CookieJar>,
    ) -> crate::Result<Assembled> {
        // Errors name the URL (each step adds it: it is not copied up front).
        if let Some(conflict) = self.given.conflict() {
            return Err(conflict_error(conflict, &self));
        }

        // URL userinfo is Basic auth unless `auth` or the request's own
        // Authorization says otherwise (a client default is less specific).
        if self.url_auth.is_some() {
            self.take_url_auth();
        }

        // Defaults first; a request's own value for a name replaces them.
        let mut headers = if defaults.headers.is_empty() {
            std::mem::take(&mut self.headers)
        } else {
            self.under_defaults(&defaults.headers)
        };
        // Room for what the layers and the transport add (Content-Type,
        // Content-Length, Accept-Encoding, Cookie, Host), so no insert grows
        // the map on the way down.
        headers.reserve(5);
        mark_sensitive(&mut headers, &defaults.sensitive_headers);

        let body = match (self.files.take(), std::mem::take(&mut self.payload)) {
            (None, Payload::Data(body)) => body,
            (None, Payload::None) if self.form.is_none() => Body::empty(),
            (files, payload) => self.generated_body(files, payload, &mut headers)?,
        };
        if body.is_empty() && matches!(self.method, Method::POST | Method::PUT | Method::PATCH) {
            say_empty(&mut headers);
        }
        if !self.persistent {
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
        }

        // A request's cookies join the session jar before it is sent, so
        // they persist for the client's later requests. (The client gives a
        // jar to every request with cookies.)
        if let (false, Some(jar)) = (self.cookies.is_empty(), jar) {
            self.cookies_into(jar)?;
        }

        let mut request = http::Request::new(body);
        *request.method_mut() = std::mem::take(&mut self.method);
        *request.uri_mut() = match self.url.to_uri() {
            Ok(uri) => uri,
            Err(e) => return Err(e.or_url(self.url.url())),
        };
        *request.headers_mut() = headers;
        // The layers hold the client's defaults: only a request's own
        // settings travel with it.
        let max_body_size = self.max_body_size.unwrap_or(defaults.max_body_size);
        self.own_settings(request.extensions_mut(), defaults, max_body_size);
        let timeout = self.timeout.or(defaults.timeout).filter(|t| !t.is_zero());
        let unbuffered = self.unbuffered;
        let url = self.into_url();
        Ok(Assembled {
            request,
            url,
            timeout,
            unbuffered,
            max_body_size,
        })
    }
}

impl PendingRequest {
    /// The URL's userinfo becomes the request's Basic auth, unless the
    /// request has `auth` or its own `Authorization`.
    #[cold]
    #[inline(never)]
    fn take_url_auth(&mut self) {
        if self.auth.is_none() && !self.headers.contains_key(AUTHORIZATION) {
            self.auth = self.url_auth.take();
        }
    }

    /// The client's default headers with the request's own over them (a
    /// request's value for a name replaces the defaults for it).
    #[inline(never)]
    fn under_defaults(&mut self, defaults: &HeaderMap) -> HeaderMap {
        let mut headers = defaults.clone();
        for name in self.headers.keys() {
            headers.remove(name);
        }
        headers.extend(std::mem::take(&mut self.headers));
        headers
    }

    /// Merges the request's cookies into the jar.
    #[cold]
    #[inline(never)]
    fn cookies_into(&mut self, jar: &CookieJar) -> crate::Result<()> {
        let cookies = std::mem::take(&mut self.cookies);
        let url = self.url.url();
        super::cookies::merge_into(jar, url, cookies).map_err(|e| e.or_url(url))
    }

    /// The URL, the rest dropped out of line: the options are mostly empty,
    /// and their drop code would sit in the middle of the common path.
    #[inline(never)]
    fn into_url(self: Box<Self>) -> super::Target {
        let PendingRequest { url, .. } = *self;
        url
    }

    /// Puts the request's own settings, where they differ from the client's
    /// defaults the layers hold, on the request for the layers to read.
    /// Out of line: a plain request has none, and only checks for them.
    #[inline(never)]
    fn own_settings(
        &mut self,
        extensions: &mut http::Extensions,
        defaults: &Defaults,
        max_body_size: Option<u64>,
    ) {
        // Layers read the URL from here when it was parsed already; a URL
        // that skipped the parser is parsed from the URI by a layer that
        // needs it (cookies in the jar, a redirect).
        if let Some(url) = self.url.url_if_parsed() {
            extensions.insert(RequestUrl::wire(url));
        }
        if self.allow_redirects.is_some()
            || self.browser_like_redirects.is_some()
            || self.max_redirects.is_some()
        {
            extensions.insert(RedirectOptions {
                follow: self.allow_redirects.unwrap_or(true),
                browser_like: self.browser_like_redirects.unwrap_or(false),
                max: self.max_redirects.unwrap_or(defaults.max_redirects),
            });
        }
        if let Some(auth) = self.auth.take() {
            extensions.insert(auth);
        }
        // A request's own read timeout wins; zero there means none.
        let read_timeout = self
            .read_timeout
            .or(defaults.read_timeout)
            .filter(|t| !t.is_zero());
        if let Some(limit) = read_timeout {
            extensions.insert(ReadTimeout(limit));
        }
        // A buffered body is held whole, so its decoding stops at the body
        // limit too (in every layer), not only at the decompression limit.
        // The decompression layer holds the client's limit; an unbuffered
        // read keeps nothing, so it has none.
        let decode_limit = if self.unbuffered { None } else { max_body_size };
        if decode_limit != defaults.max_body_size {
            extensions.insert(RequestLimit(decode_limit));
        }
    }
}

/// The error for two body options that cannot go together.
#[cold]
#[inline(never)]
fn conflict_error(conflict: &'static str, request: &PendingRequest) -> crate::Error {
    error::builder(conflict).or_url(request.url.url())
}

/// As Python treq does, a bodiless POST/PUT/PATCH says `Content-Length: 0`
/// (hyper would send no length at all), unless it says a length itself.
#[cold]
#[inline(never)]
fn say_empty(headers: &mut HeaderMap) {
    if !headers.contains_key(CONTENT_LENGTH) {
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    }
}
