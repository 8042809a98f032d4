//! `CookieAgent`: adds the jar's cookies for the hop's URL and stores the hop's
//! `Set-Cookie` answers. It runs once per redirect hop, because the redirect
//! layer wraps it.

use std::fmt;

use http::header::{COOKIE, SET_COOKIE};

use super::{policy, CookieJar};
use crate::agent::{agent_of_layer, Layer, OnResponse, Then};
use crate::extensions::{HopExtensions, SentRequest};
use crate::Body;

/// Adds cookies from the jar to each request and stores `Set-Cookie` answers.
///
/// A request that already carries a `Cookie` header is sent as it is: the
/// caller chose its cookies (as in treq). Of a response's `Set-Cookie`
/// headers, at most as many as one site may keep are read (every cookie of a
/// response belongs to the same site); the jar's limits apply to them.
pub(crate) struct CookieAgent<A> {
    inner: A,
    session: Option<CookieJar>,
    /// A request with no jar gets one of its own when a response sets a
    /// cookie (see [`jar_per_call`](Self::jar_per_call)).
    per_call: bool,
}

impl<A> CookieAgent<A> {
    /// Wraps `inner`. A request's jar is the one in its extensions (the
    /// module-level functions give each call its own), else the session jar
    /// (see [`session_jar`](Self::session_jar)); a request with neither gets
    /// and keeps no cookies.
    pub(crate) fn new(inner: A) -> Self {
        CookieAgent {
            inner,
            session: None,
            per_call: false,
        }
    }

    /// A request that brings no jar (and there is no session jar) gets a
    /// new one when a response sets a cookie, made then and not before: it
    /// goes back with the response, in the hop's values, so the next hop of
    /// a redirect sends its cookies and the client hands it to the caller.
    pub(crate) fn jar_per_call(mut self, per_call: bool) -> Self {
        self.per_call = per_call;
        self
    }

    /// The jar of requests that bring none (the client's session jar).
    pub(crate) fn session_jar(mut self, jar: Option<CookieJar>) -> Self {
        self.session = jar;
        self
    }
}

impl<A> fmt::Debug for CookieAgent<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieAgent").finish_non_exhaustive()
    }
}

agent_of_layer!(CookieAgent);

impl<A: Layer> Layer for CookieAgent<A> {
    type Future = Then<A::Future, StoreCookies>;

    fn call(&self, mut request: http::Request<Body>) -> Self::Future {
        // The URL is parsed only when there is something to do (cookies to send
        // or to store), to keep the common cookieless request cheap.
        let own = request.extensions().get::<CookieJar>();
        let Some(jar) = own.or(self.session.as_ref()).cloned() else {
            let inner = self.inner.call(request);
            if self.per_call {
                return Then::new(inner, StoreCookies::InANewJar);
            }
            return Then::pass(inner);
        };
        let mut url = None;
        if !request.headers().contains_key(COOKIE) {
            let mut state = jar.lock();
            if state.store.iter_any().next().is_some() {
                url = crate::extensions::url_of(&request);
                if let Some(value) = url
                    .as_ref()
                    .and_then(|url| policy::cookie_header(&mut state, url))
                {
                    request.headers_mut().insert(COOKIE, value);
                }
            }
        }
        // Where a `Set-Cookie` is scoped: the URL already known, else the one
        // the record layer saw (no copy is made when no cookie comes back).
        Then::new(self.inner.call(request), StoreCookies::Into { jar, url })
    }
}

/// Where the cookie layer stores a response's `Set-Cookie` answers.
pub(crate) enum StoreCookies {
    /// Into `jar`, scoped by `url` if known.
    Into {
        jar: CookieJar,
        url: Option<url::Url>,
    },
    /// Into a jar made for the call if a cookie comes.
    InANewJar,
}

impl OnResponse for StoreCookies {
    fn on_response(self, response: http::Response<Body>) -> http::Response<Body> {
        match self {
            StoreCookies::Into { jar, url } => {
                store_set_cookies(&response, url, &jar);
                response
            }
            StoreCookies::InANewJar => store_in_a_new_jar(response),
        }
    }
}

/// Stores `response`'s `Set-Cookie` answers in `jar`, scoped by `url` if it
/// is known, else by the record of the request.
fn store_set_cookies(response: &http::Response<Body>, url: Option<url::Url>, jar: &CookieJar) {
    let mut values = response.headers().get_all(SET_COOKIE).iter().peekable();
    if values.peek().is_none() {
        return;
    }
    let known = url.or_else(|| {
        response
            .extensions()
            .get::<SentRequest>()
            .and_then(SentRequest::url)
            .cloned()
    });
    // Without a URL (no record below, or a relative URI) there is no origin
    // to scope a cookie to: nothing is stored.
    let Some(url) = known else { return };
    let mut state = jar.lock();
    let most = state.limits.max_per_domain;
    for value in values.take(most) {
        // A cookie the policy refuses is ignored, as browsers do.
        if let Ok(value) = std::str::from_utf8(value.as_bytes()) {
            let _ = policy::store_set_cookie(&mut state, value, &url);
        }
    }
    state.enforce();
}

/// The response of a request with no jar, for a call that gets its own: a
/// jar is made if the response sets a cookie, and handed back in the hop's
/// values.
fn store_in_a_new_jar(mut response: http::Response<Body>) -> http::Response<Body> {
    if response.headers().contains_key(SET_COOKIE) {
        let jar = CookieJar::new();
        store_set_cookies(&response, None, &jar);
        let carried = response.extensions_mut();
        match carried.get_mut::<HopExtensions>() {
            Some(HopExtensions(values)) => {
                values.insert(jar);
            }
            None => {
                let mut values = http::Extensions::new();
                values.insert(jar);
                carried.insert(HopExtensions(values));
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::spy::{reply, Spy};
    use crate::agent::Agent;
    use crate::record::RecordAgent;
    use std::sync::Arc;

    /// A server whose every answer sets `sid=1`.
    fn sets_sid() -> Arc<Spy> {
        Spy::new(|_| {
            reply(200)
                .header("set-cookie", "sid=1")
                .body(Body::empty())
                .unwrap()
        })
    }

    /// A GET carrying `jar`, as the client sends it.
    fn get(uri: &str, jar: &CookieJar) -> http::Request<Body> {
        let mut req = http::Request::get(uri).body(Body::empty()).unwrap();
        req.extensions_mut().insert(jar.clone());
        req
    }

    #[tokio::test]
    async fn sends_matching_cookies_and_stores_set_cookie() {
        let spy = Spy::new(|seen| {
            if seen.uri.ends_with("/login") {
                reply(200)
                    .header("set-cookie", "sid=1")
                    .header("set-cookie", "evil=1; Domain=other.example")
                    .body(Body::empty())
                    .unwrap()
            } else {
                reply(200).body(Body::empty()).unwrap()
            }
        });
        let jar = CookieJar::new();
        let agent = CookieAgent::new(RecordAgent::new(Arc::clone(&spy)));
        agent
            .request(get("http://a.example/login", &jar))
            .await
            .unwrap();
        agent
            .request(get("http://a.example/next", &jar))
            .await
            .unwrap();
        agent.request(get("http://b.example/", &jar)).await.unwrap();
        let seen = spy.seen();
        assert_eq!(seen[0].header("cookie"), None);
        assert_eq!(seen[1].header("cookie"), Some("sid=1"));
        assert_eq!(seen[2].header("cookie"), None, "not sent to another host");
        assert_eq!(jar.len(), 1, "the foreign Domain= cookie was refused");
    }

    #[tokio::test]
    async fn without_a_record_or_a_known_url_no_cookie_is_stored() {
        let spy = sets_sid();
        let jar = CookieJar::new();
        let bare = CookieAgent::new(Arc::clone(&spy));
        bare.request(get("http://a.example/", &jar)).await.unwrap();
        assert_eq!(jar.len(), 0, "no origin to scope the cookie to");
        // The same answer over the record layer is stored.
        let recorded = CookieAgent::new(RecordAgent::new(Arc::clone(&spy)));
        recorded
            .request(get("http://a.example/", &jar))
            .await
            .unwrap();
        assert_eq!(jar.len(), 1);
    }

    #[tokio::test]
    async fn an_explicit_cookie_header_suppresses_the_jar() {
        let spy = Spy::new(|_| reply(200).body(Body::empty()).unwrap());
        let jar = CookieJar::new();
        jar.add_scoped("http://a.example/", "jar", "1").unwrap();
        let agent = CookieAgent::new(RecordAgent::new(Arc::clone(&spy)));
        let mut req = get("http://a.example/", &jar);
        req.headers_mut().insert(COOKIE, "mine=2".parse().unwrap());
        agent.request(req).await.unwrap();
        assert_eq!(spy.seen()[0].header("cookie"), Some("mine=2"));
    }

    #[tokio::test]
    async fn a_request_without_a_jar_gets_no_cookies_and_keeps_none() {
        let spy = sets_sid();
        let agent = CookieAgent::new(RecordAgent::new(Arc::clone(&spy)));
        let plain = http::Request::get("http://a.example/")
            .body(Body::empty())
            .unwrap();
        let response = agent.request(plain).await.unwrap();
        assert_eq!(response.headers()["set-cookie"], "sid=1");
        assert_eq!(spy.seen()[0].header("cookie"), None);
    }

    #[tokio::test]
    async fn set_cookie_is_scoped_by_the_recorded_url_when_none_was_given() {
        // The record layer (below) says where the request went; the cookie
        // layer needs no URL of its own for a request it added nothing to.
        let spy = sets_sid();
        let agent = CookieAgent::new(RecordAgent::new(Arc::clone(&spy)));
        let jar = CookieJar::new();
        agent
            .request(get("http://a.example/x", &jar))
            .await
            .unwrap();
        assert_eq!(
            jar.get_for("http://a.example/", "sid").as_deref(),
            Some("1")
        );
    }
}
