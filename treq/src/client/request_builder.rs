//! `RequestBuilder`: collects a request's options (treq's keyword arguments),
//! keeps the first error, and sends when awaited.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde::Serialize;

use super::HttpClient;
use crate::agent::Agent;
use crate::auth::Auth;
use crate::error;
use crate::extensions::mark_sensitive;
use crate::multipart::Part;
use crate::request::params;
use crate::request::url::append_query;
use crate::request::{
    HeaderKey, HeaderValues, Internal, IntoCookies, IntoHeaders, IntoParams, Payload,
    PendingRequest, Target,
};
use crate::{Body, Response};

/// A request being built. Nothing is sent until it is awaited (or `send` is
/// awaited). Setters take and return `self`; the first invalid option is kept
/// and returned as an [`Error`](crate::Error) from `send`.
///
/// ```no_run
/// # async fn run() -> treq::Result<()> {
/// let client = treq::HttpClient::new(treq::HyperAgent::new());
/// let response = client
///     .get("http://127.0.0.1:8080/get")
///     .params([("q", "rust http")])
///     .header("Accept", "application/json")
///     .timeout(std::time::Duration::from_secs(5))
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a RequestBuilder does nothing until you .await it or call .send()"]
pub struct RequestBuilder<A: Agent> {
    client: HttpClient<A>,
    /// Boxed, so each setter moves a pointer rather than every option.
    request: crate::Result<Box<PendingRequest>>,
}

impl<A: Agent> RequestBuilder<A> {
    pub(crate) fn new(client: HttpClient<A>, method: Method, url: crate::Result<Target>) -> Self {
        let request = url.map(|url| Box::new(PendingRequest::new(method, url)));
        RequestBuilder { client, request }
    }

    fn update(mut self, f: impl FnOnce(&mut PendingRequest) -> crate::Result<()>) -> Self {
        if let Ok(req) = &mut self.request {
            if let Err(e) = f(req) {
                self.request = Err(e.or_url(req.url.url()));
            }
        }
        self
    }

    /// Adds one header (appended: repeated names keep every value, in order).
    pub fn header<K: HeaderKey, V: HeaderValues>(self, name: K, value: V) -> Self {
        self.update(|req| {
            let name = name.to_header_name(Internal)?;
            value.append_values(&name, &mut req.headers, Internal)
        })
    }

    /// Adds headers from a `HeaderMap` (copied, never mutated) or any iterable
    /// of `(name, value-or-values)` pairs.
    pub fn headers(self, headers: impl IntoHeaders) -> Self {
        self.update(|req| headers.append_to(&mut req.headers, Internal))
    }

    /// Appends query parameters after the URL's own query (nothing is replaced).
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// // GET /get?foo=bar&foo=baz&n=1
    /// treq::get("http://127.0.0.1:8080/get")
    ///     .params([("foo", vec!["bar", "baz"])])
    ///     .params([("n", 1)])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn params(self, params: impl IntoParams) -> Self {
        self.update(|req| {
            let encoded = params::encode(params);
            append_query(req.url.url_mut(), &encoded);
            Ok(())
        })
    }

    /// The raw request body: bytes, strings, a `tokio::fs::File` (streamed with
    /// its length) or any [`Body`] (for example [`Body::wrap_stream`]).
    /// No `Content-Type` is set.
    pub fn data(self, body: impl Into<Body>) -> Self {
        let body = body.into();
        self.update(|req| {
            req.given.data = true;
            req.payload = Payload::Data(body);
            Ok(())
        })
    }

    /// A form body (`application/x-www-form-urlencoded`, order kept). With
    /// [`files`](Self::files), the fields become text parts of the multipart body.
    pub fn form(self, form: impl IntoParams) -> Self {
        self.update(|req| {
            req.given.form = true;
            req.form
                .get_or_insert_with(Vec::new)
                .extend(params::raw_pairs(form));
            Ok(())
        })
    }

    /// A JSON body (`application/json; charset=UTF-8`).
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        let encoded = serde_json::to_vec(value);
        self.update(|req| {
            let bytes =
                encoded.map_err(|e| error::builder_with("could not serialize the JSON body", e))?;
            req.given.json = true;
            req.payload = Payload::Json(Bytes::from(bytes));
            Ok(())
        })
    }

    /// Multipart file parts (`multipart/form-data`), each under a field name.
    /// Combine with [`form`](Self::form) for plain fields.
    pub fn files<K: Into<String>>(self, files: impl IntoIterator<Item = (K, Part)>) -> Self {
        self.update(|req| {
            req.given.files = true;
            req.files
                .get_or_insert_with(Vec::new)
                .extend(files.into_iter().map(|(k, p)| (k.into(), p)));
            Ok(())
        })
    }

    /// Credentials: `("user", "pass")` for Basic, or an [`Auth`] (digest, bearer).
    ///
    /// Credentials in the URL (`http://user:pass@host/`, percent-decoded) are
    /// sent as Basic auth when neither `auth` nor an `Authorization` header
    /// is given; the userinfo is removed from the URL in every case.
    pub fn auth(self, auth: impl Into<Auth>) -> Self {
        let auth = auth.into();
        self.update(|req| {
            req.auth = Some(auth);
            Ok(())
        })
    }

    /// Cookies for this request: pairs or maps (scoped to the request's origin)
    /// or a [`CookieJar`](crate::CookieJar). They are merged into the client's
    /// jar and so persist for later requests of the same client (as in treq).
    pub fn cookies(self, cookies: impl IntoCookies) -> Self {
        let cookies = cookies.into_request_cookies(Internal);
        self.update(|req| {
            req.cookies.push(cookies);
            Ok(())
        })
    }

    /// One deadline from sending to the last body byte read; replaces the
    /// client's. A deadline of zero disables it (the client's too), as in treq.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.update(|req| {
            req.timeout = Some(timeout);
            Ok(())
        })
    }

    /// The longest the server may stay silent while this request waits for
    /// the response head or the next piece of the body (each piece starts the
    /// count again); replaces the client's
    /// [`read_timeout`](crate::ClientBuilder::read_timeout), and zero turns it
    /// off for this request. Fails with
    /// [`is_timeout`](crate::Error::is_timeout), whichever of this and
    /// [`timeout`](Self::timeout) fires first.
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// use std::time::Duration;
    /// let client = treq::HttpClient::new(treq::HyperAgent::new());
    /// // A large download: no limit on the total, but never 5 s of silence.
    /// let response = client
    ///     .get("http://127.0.0.1:8080/bytes/1000000")
    ///     .read_timeout(Duration::from_secs(5))
    ///     .unbuffered(true)
    ///     .await?;
    /// let mut size = 0;
    /// response.collect(|chunk| size += chunk.len()).await?;
    /// # Ok(()) }
    /// ```
    pub fn read_timeout(self, timeout: Duration) -> Self {
        self.update(|req| {
            req.read_timeout = Some(timeout);
            Ok(())
        })
    }

    /// Follow redirects (default true). With false the 3xx response is returned.
    pub fn allow_redirects(self, allow: bool) -> Self {
        self.update(|req| {
            req.allow_redirects = Some(allow);
            Ok(())
        })
    }

    /// Follow 301/302/303/308 for any method, changing it to GET, as browsers do.
    pub fn browser_like_redirects(self, browser_like: bool) -> Self {
        self.update(|req| {
            req.browser_like_redirects = Some(browser_like);
            Ok(())
        })
    }

    /// The most redirects to follow before failing (default 20).
    pub fn max_redirects(self, max: usize) -> Self {
        self.update(|req| {
            req.max_redirects = Some(max);
            Ok(())
        })
    }

    /// With false, the connection is closed after this request instead of
    /// going back to the pool.
    pub fn persistent(self, persistent: bool) -> Self {
        self.update(|req| {
            req.persistent = persistent;
            Ok(())
        })
    }

    /// With true, the body is streamed: constant memory, readable once.
    pub fn unbuffered(self, unbuffered: bool) -> Self {
        self.update(|req| {
            req.unbuffered = unbuffered;
            Ok(())
        })
    }

    /// The most bytes `content`, `text` or `json` (and `collect` on a
    /// buffered response) may read for this request, after decompression;
    /// `None` for no limit. Replaces the client's
    /// [`max_body_size`](crate::ClientBuilder::max_body_size) (128 MiB by
    /// default). Past it the read fails with
    /// [`ErrorKind::BodyLimitExceeded`](crate::error::ErrorKind::BodyLimitExceeded).
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// let resp = treq::get("http://127.0.0.1:8080/bytes/100")
    ///     .max_body_size(Some(1024))
    ///     .await?;
    /// let small = resp.content().await?;
    /// # Ok(()) }
    /// ```
    pub fn max_body_size(self, limit: Option<u64>) -> Self {
        self.update(|req| {
            req.max_body_size = Some(limit);
            Ok(())
        })
    }

    /// Sends the request and resolves to the response head (the body is read by
    /// `content`/`text`/`json`/`collect`).
    ///
    /// The returned future is the client's own send future, with no async
    /// wrapper of its own around it (a wrapper moved the whole future once
    /// more per request).
    pub fn send(self) -> impl Future<Output = crate::Result<Response>> + Send + 'static {
        let RequestBuilder { client, request } = self;
        client.execute(request)
    }
}

impl<A: Agent> IntoFuture for RequestBuilder<A> {
    type Output = crate::Result<Response>;
    type IntoFuture = Pin<Box<dyn Future<Output = crate::Result<Response>> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<A: Agent> fmt::Debug for RequestBuilder<A> {
    /// Secret headers (`Authorization`, `Cookie`, `Proxy-Authorization` and the
    /// client's sensitive headers) print as `Sensitive`; the URL has no userinfo.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.request {
            Ok(req) => {
                let mut headers = req.headers.clone();
                mark_sensitive(
                    &mut headers,
                    &self.client.inner().config.defaults.sensitive_headers,
                );
                f.debug_struct("RequestBuilder")
                    .field("method", &req.method)
                    .field("url", &req.url.as_str().as_ref())
                    .field("headers", &headers)
                    .finish_non_exhaustive()
            }
            Err(e) => f.debug_struct("RequestBuilder").field("error", e).finish(),
        }
    }
}
