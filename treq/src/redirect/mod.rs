//! Redirects: `RedirectAgent` follows 3xx responses per treq's rules, keeps the
//! history, and strips credentials on cross-origin hops.
//!
//! Security: on any change of scheme, host or port (compared hop by hop, and
//! sticky: once stripped, never restored) `Authorization`,
//! `Proxy-Authorization`, `Cookie`, `Cookie2`, `WWW-Authenticate`, `Host` and
//! the client's extra sensitive headers are removed. Cookies for the new hop
//! come from the jar (the cookie layer is inside this one). Every hop request
//! after an origin change, and the final response, carry the [`OriginChanged`]
//! marker in their extensions, so outer layers (auth) never answer a challenge
//! from a host the credentials were not given for.
//!
//! A `Location` with userinfo (`http://user:pass@host/`) is followed as
//! browsers, curl and reqwest do: its credentials go to that target as Basic
//! auth (replacing any `Authorization` left), and the userinfo is removed
//! from the URL, so no response URL, history entry or error shows it.

mod policy;
#[cfg(test)]
pub(crate) mod spy;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use http::header::HeaderName;
use http::{Method, StatusCode};
use url::Url;

use self::policy::Action;
use crate::agent::{Agent, ResponseFuture};
use crate::cookies::CookieJar;
use crate::error::{Error, ErrorKind};
use crate::{Body, Response};

/// Intermediate responses are drained (see [`crate::timeout::drain`]: at most
/// 64 KiB and 1 s, so a small body leaves its connection to be reused and an
/// endless one cannot stall the chain). A body read to its end is kept for
/// `history()` while the bodies kept so far total at most this much; past it
/// (a long chain of large bodies) later ones are kept empty, so the memory a
/// chain holds does not grow with `max_redirects`.
const HISTORY_BODIES_LIMIT: usize = 1 << 20;

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

/// `http::Extensions` only holds `Clone` values, but bodies cannot be cloned:
/// a clone of the extensions carries an empty history. The pipeline moves the
/// history out of the one response that has it, so no clone is ever taken.
impl Clone for History {
    fn clone(&self) -> Self {
        History(Vec::new())
    }
}

/// Marker in the extensions of a redirected request (and of the final
/// response) whose origin differs from the first request's at some hop.
/// Credentials given for the first origin must not be used for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OriginChanged;

/// Follows redirects with treq's rules.
///
/// - 301, 302, 307 and 308 are followed for GET and HEAD; other methods get
///   [`ErrorKind::RedirectRefused`]. 303 turns any method (but HEAD) into GET.
///   With `browser_like_redirects(true)`, 301/302/303/308 turn other methods
///   into GET; 307 still refuses them.
/// - 307/308 send the body again when it is in memory; a streamed body cannot
///   be replayed and the redirect is refused. Other hops carry no body and no
///   `Content-Type`/`Content-Length`/`Transfer-Encoding`/`Content-Encoding`.
/// - At most `max_redirects` (default 20) are followed, then
///   [`ErrorKind::TooManyRedirects`] with every response.
/// - On any change of scheme, host or port, `Authorization`,
///   `Proxy-Authorization`, `Cookie`, `Cookie2`, `WWW-Authenticate`, `Host`
///   and the configured [`sensitive_headers`](Self::sensitive_headers) are
///   removed for the rest of the chain, and the hop requests and the final
///   response carry the [`OriginChanged`] marker in their extensions.
/// - A `Location` with userinfo sends its credentials to that target as Basic
///   auth; the userinfo never appears in a URL of the history or an error.
/// - Intermediate responses are read (at most 64 KiB and 1 s, or the read
///   timeout if shorter: a small body leaves the connection to be reused, a
///   larger, slower or endless one is dropped with its connection and the
///   chain goes on over a new one) and returned in the final response's
///   history, their bodies kept up to 1 MiB for the whole chain.
///
/// [`HttpClient`](crate::HttpClient) uses it for every request; per-request
/// settings come from the request builder. On its own it follows with the
/// defaults:
///
/// ```
/// use treq::{Agent, Body, RedirectAgent};
///
/// /// Answers every path but `/new` with a redirect to `/new`.
/// struct Moved;
/// impl Agent for Moved {
///     fn request(&self, req: http::Request<Body>) -> treq::ResponseFuture {
///         let resp = if req.uri().path() == "/new" {
///             http::Response::new(Body::from("here"))
///         } else {
///             let mut r = http::Response::new(Body::empty());
///             *r.status_mut() = http::StatusCode::MOVED_PERMANENTLY;
///             r.headers_mut().insert("location", "/new".parse().unwrap());
///             r
///         };
///         Box::pin(async move { Ok(resp) })
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let agent = RedirectAgent::new(Moved);
/// let req = http::Request::get("http://a.example/old").body(Body::empty()).unwrap();
/// let resp = agent.request(req).await.unwrap();
/// assert_eq!(resp.status(), 200);
/// # });
/// ```
pub struct RedirectAgent<A> {
    inner: Arc<A>,
    sensitive: Arc<[HeaderName]>,
    jar: Option<CookieJar>,
}

impl<A> RedirectAgent<A> {
    /// Wraps `inner`.
    pub fn new(inner: A) -> Self {
        RedirectAgent {
            inner: Arc::new(inner),
            sensitive: Arc::new([]),
            jar: None,
        }
    }

    /// Extra header names stripped on cross-origin hops (e.g. `X-Api-Key`).
    pub fn sensitive_headers(mut self, names: impl IntoIterator<Item = HeaderName>) -> Self {
        self.sensitive = names.into_iter().collect();
        self
    }

    /// The session jar given to the `Response`s of a too-many-redirects error.
    pub(crate) fn with_jar(mut self, jar: CookieJar) -> Self {
        self.jar = Some(jar);
        self
    }
}

impl<A> fmt::Debug for RedirectAgent<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectAgent")
            .field("sensitive_headers", &self.sensitive)
            .finish_non_exhaustive()
    }
}

impl<A: Agent> Agent for RedirectAgent<A> {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        let options = request
            .extensions()
            .get::<RedirectOptions>()
            .copied()
            .unwrap_or_default();
        if !options.follow {
            return self.inner.request(request);
        }
        // A relative URI cannot be redirected from: send it as it is.
        let Some(url) = crate::request::url::url_of(&request) else {
            return self.inner.request(request);
        };
        let chain = Chain {
            inner: Arc::clone(&self.inner),
            sensitive: Arc::clone(&self.sensitive),
            jar: self.jar.clone(),
            options,
        };
        Box::pin(chain.follow(request, url))
    }
}

struct Chain<A> {
    inner: Arc<A>,
    sensitive: Arc<[HeaderName]>,
    jar: Option<CookieJar>,
    options: RedirectOptions,
}

/// The body for the next hop: a copy of an in-memory body, or the fact that it
/// was streamed and is gone.
enum Replay {
    Copy(Body),
    Streamed,
}

impl<A: Agent> Chain<A> {
    async fn follow(
        self,
        request: http::Request<Body>,
        mut url: Url,
    ) -> crate::Result<http::Response<Body>> {
        let (parts, body) = request.into_parts();
        let mut method = parts.method;
        let mut headers = parts.headers;
        let mut extensions = parts.extensions;
        let mut replay = match body.try_clone() {
            Some(copy) => Replay::Copy(copy),
            None => Replay::Streamed,
        };
        let mut next_body = Some(body);
        // The first hop goes to the URI as given; later ones are built from URLs.
        let mut next_uri = Some(parts.uri);
        let mut history = Vec::new();
        let mut kept_bytes = 0;
        let read_timeout = crate::timeout::ReadTimeout::of(&extensions);
        let mut origin_changed = false;

        loop {
            let mut hop = http::Request::new(next_body.take().unwrap_or_default());
            *hop.method_mut() = method.clone();
            *hop.uri_mut() = match next_uri.take() {
                Some(uri) => uri,
                None => crate::request::url::to_uri(&url)?,
            };
            *hop.headers_mut() = headers.clone();
            *hop.extensions_mut() = extensions.clone();
            if !history.is_empty() {
                // Later hops: the wrapper agents inside read the hop's URL from here.
                hop.extensions_mut()
                    .insert(crate::request::url::RequestUrl(url.clone()));
            }
            if origin_changed {
                hop.extensions_mut().insert(OriginChanged);
            }
            let mut response = self.inner.request(hop).await?;
            let status = response.status();
            if !policy::is_redirect(status) {
                if origin_changed {
                    response.extensions_mut().insert(OriginChanged);
                }
                if !history.is_empty() {
                    response.extensions_mut().insert(History(history));
                }
                return Ok(response);
            }

            let Some(mut next) = policy::location(response.headers(), &url) else {
                return Err(Error::new(
                    ErrorKind::RedirectWithoutLocation {
                        status: status.as_u16(),
                    },
                    None,
                )
                .with_url(url));
            };
            // Credentials in the target (`http://user:pass@host/`) are used for
            // it, as browsers, curl and reqwest do, and never kept in a URL.
            let next_userinfo = crate::request::url::take_userinfo(&mut next);
            let action = policy::decide(status, &method, self.options.browser_like);
            if action == Action::Refuse {
                return Err(refused(status, &method, next, url, "only GET and HEAD are redirected by default; browser_like_redirects(true) follows 301/302/303/308 as GET"));
            }
            if next.scheme() != "http" && next.scheme() != "https" {
                return Err(refused(
                    status,
                    &method,
                    next,
                    url,
                    "only http and https redirect targets are followed",
                ));
            }
            if let Action::Keep { replay_body: true } = action {
                next_body = Some(match &replay {
                    Replay::Copy(body) => body.try_clone().unwrap_or_default(),
                    Replay::Streamed => {
                        return Err(refused(status, &method, next, url, "the request body was streamed and cannot be sent again; send it from memory (bytes or a string) to follow 307/308"));
                    }
                });
            } else {
                if action == Action::ToGet {
                    method = Method::GET;
                }
                // The next hop carries no body, so no headers describing one.
                replay = Replay::Copy(Body::empty());
                policy::strip_body_headers(&mut headers);
            }

            history.push(buffer(response, read_timeout, &mut kept_bytes).await);
            if history.len() > self.options.max {
                let history = history
                    .into_iter()
                    .map(|hop| Response::from_http(hop, &url, None, false, self.jar.clone()))
                    .collect();
                let max = self.options.max;
                return Err(Error::new(ErrorKind::TooManyRedirects { history }, None)
                    .with_message(format!("too many redirects (more than {max})"))
                    .with_url(next));
            }
            if policy::origin_differs(&url, &next) {
                policy::strip_cross_origin(&mut headers, &self.sensitive);
                // Credentials left for inner layers must not cross either.
                extensions.remove::<crate::auth::Auth>();
                origin_changed = true;
            }
            if let Some(info) = next_userinfo {
                let value = crate::auth::basic(&info.username, &info.password);
                headers.insert(http::header::AUTHORIZATION, value);
            }
            url = next;
        }
    }
}

fn refused(status: StatusCode, method: &Method, location: Url, url: Url, why: &str) -> Error {
    let code = status.as_u16();
    let message =
        format!("refused to follow a {code} redirect of a {method} request to {location}: {why}");
    Error::new(
        ErrorKind::RedirectRefused {
            status: code,
            location: Some(location),
        },
        None,
    )
    .with_message(message)
    .with_url(url)
}

/// Drains an intermediate response's body and keeps it for `history()` when
/// it was read to its end and fits in what is left of [`HISTORY_BODIES_LIMIT`];
/// otherwise the kept body is empty. Either way no connection is held.
async fn buffer(
    response: http::Response<Body>,
    read_timeout: Option<std::time::Duration>,
    kept_bytes: &mut usize,
) -> http::Response<Body> {
    let (parts, body) = response.into_parts();
    let body = match crate::timeout::drain(body, read_timeout).await {
        Some(bytes) if *kept_bytes + bytes.len() <= HISTORY_BODIES_LIMIT => {
            *kept_bytes += bytes.len();
            Body::from(bytes)
        }
        _ => Body::empty(),
    };
    http::Response::from_parts(parts, body)
}
