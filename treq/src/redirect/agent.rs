//! The redirect layer: follows each 3xx per the policy in `policy.rs`.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http::header::COOKIE;

use super::*;
use crate::extensions::{HopExtensions, SentRequest};

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
/// - A response with several different `Location` headers is refused
///   ([`ErrorKind::RedirectRefused`]); the same target repeated is followed.
/// - A `Location` with userinfo sends its credentials to that target as Basic
///   auth; the userinfo never appears in a URL of the history or an error.
/// - Intermediate responses are read (at most 64 KiB and 1 s, or the read
///   timeout if shorter: a small body leaves the connection to be reused, a
///   larger, slower or endless one is dropped with its connection and the
///   chain goes on over a new one) and returned in the final response's
///   history, their bodies kept up to 1 MiB for the whole chain.
///
/// The client puts it in every stack; per-request settings come from the
/// request builder (see `RedirectOptions`).
pub(crate) struct RedirectAgent<A> {
    /// One reference for a chain to hold.
    shared: Arc<Shared<A>>,
    /// For a request without its own `RedirectOptions`.
    defaults: RedirectOptions,
}

impl<A> RedirectAgent<A> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: A) -> Self {
        RedirectAgent {
            shared: Arc::new(Shared {
                inner,
                sensitive: Vec::new(),
            }),
            defaults: RedirectOptions::default(),
        }
    }

    /// The most redirects a request without its own limit follows.
    pub(crate) fn max_redirects(mut self, max: usize) -> Self {
        self.defaults.max = max;
        self
    }

    /// Extra header names stripped on cross-origin hops (e.g. `X-Api-Key`).
    pub(crate) fn sensitive_headers(mut self, names: impl IntoIterator<Item = HeaderName>) -> Self {
        let shared = Arc::get_mut(&mut self.shared).expect("set before the agent is shared");
        shared.sensitive = names.into_iter().collect();
        self
    }
}

impl<A> fmt::Debug for RedirectAgent<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectAgent")
            .field("sensitive_headers", &self.shared.sensitive)
            .finish_non_exhaustive()
    }
}

agent_of_layer!(RedirectAgent);

impl<A: Layer> Layer for RedirectAgent<A> {
    type Future = RedirectFuture<A>;

    fn call(&self, request: http::Request<Body>) -> Self::Future {
        let options = request
            .extensions()
            .get::<RedirectOptions>()
            .copied()
            .unwrap_or(self.defaults);
        // Not followed, or a relative URI (which cannot be redirected from):
        // sent as it is.
        if !options.follow || request.uri().scheme().is_none() {
            return RedirectFuture::Pass(self.shared.inner.call(request));
        }
        let chain = Chain {
            shared: Arc::clone(&self.shared),
            options,
        };
        let first = FirstHop::of(&request);
        let sent = self.shared.inner.call(request);
        // The first hop waits in a small future; the chain's own (large)
        // future is made only when a redirect arrives.
        RedirectFuture::First {
            sent,
            chain: Some((chain, first)),
        }
    }
}

/// The redirect layer's future: the first hop's, then (when it is
/// redirected) the chain's.
pub(crate) enum RedirectFuture<A: Layer> {
    /// Not followed.
    Pass(A::Future),
    /// The first hop, with what the chain needs if it is redirected.
    First {
        sent: A::Future,
        chain: Option<(Chain<A>, FirstHop)>,
    },
    /// The chain after the first redirect.
    Follow(crate::agent::ResponseFuture),
}

impl<A: Layer> Future for RedirectFuture<A> {
    type Output = crate::Result<http::Response<Body>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        match this {
            RedirectFuture::Pass(inner) => Pin::new(inner).poll(cx),
            RedirectFuture::First { sent, chain } => {
                let response = ready!(Pin::new(sent).poll(cx))?;
                let Some((chain, first)) = chain
                    .take()
                    .filter(|_| policy::is_redirect(response.status()))
                else {
                    return Poll::Ready(Ok(response));
                };
                let mut follow: crate::agent::ResponseFuture =
                    Box::pin(chain.follow(first, response));
                let poll = follow.as_mut().poll(cx);
                *this = RedirectFuture::Follow(follow);
                poll
            }
            RedirectFuture::Follow(chain) => chain.as_mut().poll(cx),
        }
    }
}

/// What the chain needs from the first request once it is sent.
pub(crate) struct FirstHop {
    method: Method,
    read_timeout: Option<std::time::Duration>,
    replay: Replay,
    had_cookie: bool,
}

impl FirstHop {
    fn of(request: &http::Request<Body>) -> FirstHop {
        FirstHop {
            method: request.method().clone(),
            read_timeout: ReadTimeout::of(request.extensions()),
            replay: match request.body().try_clone() {
                Some(copy) => Replay::Copy(copy),
                None => Replay::Streamed,
            },
            // The cookie layer (inside) adds `Cookie` only to a hop without one.
            had_cookie: request.headers().contains_key(COOKIE),
        }
    }
}

/// What every chain of one agent shares.
struct Shared<A> {
    inner: A,
    sensitive: Vec<HeaderName>,
}

pub(crate) struct Chain<A> {
    shared: Arc<Shared<A>>,
    options: RedirectOptions,
}

/// The body for the next hop: a copy of an in-memory body, or the fact that it
/// was streamed and is gone.
enum Replay {
    Copy(Body),
    Streamed,
}

impl<A: Layer> Chain<A> {
    /// Follows the redirect `response` to the first hop: builds each next
    /// hop from the record of the hop before (its headers as sent, its URL,
    /// its request-scoped values, handed back by the record layer), so a
    /// request that is not redirected is never copied.
    async fn follow(
        self,
        first: FirstHop,
        mut response: http::Response<Body>,
    ) -> crate::Result<http::Response<Body>> {
        let FirstHop {
            mut method,
            read_timeout,
            mut replay,
            mut had_cookie,
        } = first;
        let mut history = Vec::new();
        let mut kept_bytes = 0;
        let mut origin_changed = false;

        loop {
            let carried = response.extensions_mut().remove::<HopExtensions>();
            let status = response.status();
            if !policy::is_redirect(status) {
                // The hop's values go back up with the last response, as
                // they do when there is no redirect.
                if let Some(carried) = carried {
                    response.extensions_mut().insert(carried);
                }
                if origin_changed {
                    response.extensions_mut().insert(OriginChanged);
                }
                if !history.is_empty() {
                    response.extensions_mut().insert(History(history));
                }
                return Ok(response);
            }
            // The record layer hands back the hop's values, if it had any.
            let mut extensions = carried
                .map(|HopExtensions(values)| values)
                .unwrap_or_default();
            let Some(sent) = response.extensions().get::<SentRequest>() else {
                return Err(Error::custom(
                    ErrorKind::Request,
                    "the redirect layer needs the record layer below it",
                    None,
                ));
            };
            let Some(url) = sent.url().cloned() else {
                return Err(Error::custom(
                    ErrorKind::Request,
                    "a redirect from a request without a URL",
                    None,
                ));
            };
            let mut headers = sent.headers().clone();
            if !had_cookie {
                headers.remove(COOKIE);
            }
            let mut next_body = None;

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
            let next_userinfo = crate::extensions::take_userinfo(&mut next);
            let action = policy::decide(status, &method, self.options.browser_like);
            if policy::has_conflicting_locations(response.headers()) {
                return Err(refused(
                    status,
                    &method,
                    next,
                    url,
                    "the response has several different Location headers",
                ));
            }
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
                let max = self.options.max;
                // The chain's values (such as a call's own cookie jar) stay
                // with its last response, for the client.
                if let Some(last) = history.last_mut() {
                    last.extensions_mut().insert(HopExtensions(extensions));
                }
                return Err(Error::new(ErrorKind::TooManyRedirects { max }, None)
                    .with_history(History(history))
                    .with_url(next));
            }
            if policy::origin_differs(&url, &next) {
                policy::strip_cross_origin(&mut headers, &self.shared.sensitive);
                origin_changed = true;
            }
            if let Some(info) = next_userinfo {
                let value = crate::extensions::basic(&info.username, &info.password);
                headers.insert(http::header::AUTHORIZATION, value);
            }
            let mut next_hop = http::Request::new(next_body.unwrap_or_default());
            *next_hop.method_mut() = method.clone();
            *next_hop.uri_mut() = crate::extensions::to_uri(&next)?;
            *next_hop.headers_mut() = headers;
            // The wrapper agents inside read the hop's URL from here.
            extensions.insert(RequestUrl(next));
            if origin_changed {
                extensions.insert(OriginChanged);
            }
            *next_hop.extensions_mut() = extensions;
            had_cookie = next_hop.headers().contains_key(COOKIE);
            response = self.shared.inner.call(next_hop).await?;
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
    let body = match crate::body::drain(body, read_timeout).await {
        Some(bytes) if *kept_bytes + bytes.len() <= HISTORY_BODIES_LIMIT => {
            *kept_bytes += bytes.len();
            Body::from(bytes)
        }
        _ => Body::empty(),
    };
    http::Response::from_parts(parts, body)
}
