//! The auth layer: sets `Authorization` from the request's `Auth` (or
//! `.netrc`) and answers one Digest challenge.

use super::*;

/// Sets `Authorization` from the request's [`Auth`] (or `.netrc`) and answers
/// digest challenges.
pub(crate) struct AuthAgent<A> {
    inner: Arc<A>,
    digest: Arc<DigestCache>,
    netrc: Option<Arc<NetrcSource>>,
}

/// Where `.netrc` is read from, and its contents once read.
struct NetrcSource {
    path: Option<PathBuf>,
    parsed: OnceLock<Result<netrc::Netrc, String>>,
}

impl NetrcSource {
    fn credentials(&self, host: &str, https: bool) -> crate::Result<Option<HeaderValue>> {
        let parsed = self.parsed.get_or_init(|| match &self.path {
            Some(path) => netrc::load(path),
            None => Ok(netrc::Netrc::default()),
        });
        match parsed {
            Ok(netrc) => Ok(netrc
                .lookup(host, https)
                .map(|e| crate::extensions::basic(e.login.as_bytes(), e.password.as_bytes()))),
            Err(msg) => Err(crate::error::builder(msg.clone())),
        }
    }
}

impl<A> AuthAgent<A> {
    /// Wraps `inner`; `.netrc` is not read.
    pub(crate) fn new(inner: A) -> Self {
        AuthAgent {
            inner: Arc::new(inner),
            digest: Arc::default(),
            netrc: None,
        }
    }

    /// Wraps `inner`, reading `.netrc` for requests that carry no auth and
    /// no `Authorization` header: `None` for no `.netrc`, `Some(None)` for
    /// `$NETRC` or `~/.netrc`, `Some(Some(path))` for that file (read once,
    /// at the first such request). The file's `default` entry is used for
    /// https requests only: over plain http only hosts with their own
    /// `machine` entry get credentials.
    pub(crate) fn with_netrc(inner: A, netrc: Option<Option<PathBuf>>) -> Self {
        Self::with_netrc_source(inner, netrc.map(|path| path.or_else(netrc::default_path)))
    }

    fn with_netrc_source(inner: A, path: Option<Option<PathBuf>>) -> Self {
        let mut agent = Self::new(inner);
        agent.netrc = path.map(|path| {
            Arc::new(NetrcSource {
                path,
                parsed: OnceLock::new(),
            })
        });
        agent
    }
}

impl<A> fmt::Debug for AuthAgent<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthAgent")
            .field("netrc", &self.netrc.as_ref().map(|n| &n.path))
            .finish_non_exhaustive()
    }
}

agent_of_layer!(AuthAgent);

impl<A: Layer> Layer for AuthAgent<A> {
    type Future = Inline<A::Future>;

    fn call(&self, mut request: http::Request<Body>) -> Self::Future {
        let auth = request.extensions_mut().remove::<Auth>();
        let value = match auth {
            Some(Auth::Basic { username, password }) => {
                crate::extensions::basic(&username, &password)
            }
            Some(Auth::Bearer(token)) => match basic::bearer(&token) {
                Ok(value) => value,
                Err(e) => return Inline::fail(e),
            },
            Some(Auth::Digest { username, password }) => {
                let flow = DigestFlow {
                    inner: Arc::clone(&self.inner),
                    cache: Arc::clone(&self.digest),
                    username,
                    password,
                };
                return Inline::Boxed(Box::pin(flow.run(request)));
            }
            None => {
                let from_netrc = match &self.netrc {
                    Some(source) if !request.headers().contains_key(AUTHORIZATION) => {
                        let https = request.uri().scheme() == Some(&http::uri::Scheme::HTTPS);
                        match request.uri().host() {
                            Some(host) => source.credentials(host, https),
                            None => Ok(None),
                        }
                    }
                    _ => Ok(None),
                };
                match from_netrc {
                    Ok(Some(value)) => value,
                    Ok(None) => return Inline::Inner(Layer::call(&*self.inner, request)),
                    Err(e) => return Inline::fail(e),
                }
            }
        };
        request.headers_mut().insert(AUTHORIZATION, value);
        Inline::Inner(Layer::call(&*self.inner, request))
    }
}

/// `scheme://host:port` with the default port filled in.
fn origin(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("http").to_ascii_lowercase();
    let port = uri.port_u16().unwrap_or(match scheme.as_str() {
        "https" => 443,
        _ => 80,
    });
    let host = uri.host().unwrap_or("").to_ascii_lowercase();
    format!("{scheme}://{host}:{port}")
}

/// One digest-authenticated request: send, answer the challenge, retry once
/// more if the nonce was stale.
struct DigestFlow<A> {
    inner: Arc<A>,
    cache: Arc<DigestCache>,
    username: String,
    password: String,
}

impl<A: Layer> DigestFlow<A> {
    async fn run(self, request: http::Request<Body>) -> crate::Result<http::Response<Body>> {
        let origin = origin(request.uri());
        let (parts, body) = request.into_parts();
        let method = parts.method.to_string();
        let target = parts
            .uri
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        let creds = Credentials {
            username: &self.username,
            password: &self.password,
            method: &method,
            uri: &target,
        };
        // Kept for re-sending; `None` for streams and files.
        let replay = body.try_clone();
        let mut request = http::Request::from_parts(parts.clone(), body);
        request.headers_mut().remove(AUTHORIZATION);
        if let Some(value) = self.cache.authorize(&origin, &creds) {
            request.headers_mut().insert(AUTHORIZATION, value);
        }

        let mut answered = false;
        let mut stale_retried = false;
        loop {
            let response = Layer::call(&*self.inner, request).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            let final_origin = response
                .extensions()
                .get::<SentRequest>()
                .map(|sent| self::origin(sent.uri()));
            if final_origin.is_some_and(|o| o != origin) {
                // Challenged by another origin after a redirect: our
                // credentials are not for it.
                return Ok(response);
            }
            let Some(challenge) = Challenge::from_headers(response.headers()) else {
                return Ok(response);
            };
            if answered {
                // Already answered a challenge in this request: only a stale
                // nonce earns one more try; anything else is a wrong password.
                if !challenge.stale || stale_retried {
                    return Ok(response);
                }
                stale_retried = true;
            }
            answered = true;
            let Some(body) = replay.as_ref().and_then(Body::try_clone) else {
                return Err(Error::custom(
                    ErrorKind::Request,
                    "the server asked for digest authentication, but the request body is a \
                     stream or file that cannot be sent again; send it as bytes, or make any \
                     digest request to this origin first so the challenge is known",
                    None,
                ));
            };
            self.cache.store(&origin, challenge);
            let Some(value) = self.cache.authorize(&origin, &creds) else {
                return Ok(response);
            };
            // Let the connection be reused when the 401 body is small; an
            // endless or slow one is dropped (with its connection) after at
            // most 64 KiB or 1 s, and the retry goes over a new connection.
            let read_timeout = crate::extensions::ReadTimeout::of(&parts.extensions);
            let _ = crate::body::drain(response.into_body(), read_timeout).await;
            request = http::Request::from_parts(parts.clone(), body);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Agent;

    impl<A> AuthAgent<A> {
        fn with_netrc_path(inner: A, path: &std::path::Path) -> Self {
            Self::with_netrc(inner, Some(Some(path.to_owned())))
        }
    }
    use crate::agent::spy::{Seen, Spy};

    /// The auth layer over the shared spy; the script sees what each request
    /// carried and how many came before.
    fn spy(
        reply: impl Fn(usize, &Seen) -> http::Response<Body> + Send + Sync + 'static,
    ) -> (AuthAgent<Arc<Spy>>, Arc<Spy>) {
        let spy = Spy::new(move |seen| reply(seen.index, seen));
        (AuthAgent::new(Arc::clone(&spy)), spy)
    }

    fn challenge(nonce: &str, stale: bool) -> http::Response<Body> {
        http::Response::builder()
            .status(401)
            .header(
                "www-authenticate",
                format!(r#"Digest realm="r", nonce="{nonce}", qop="auth", stale={stale}"#),
            )
            .body(Body::empty())
            .unwrap()
    }

    fn ok() -> http::Response<Body> {
        http::Response::new(Body::empty())
    }

    fn request(auth: Option<Auth>, body: Body) -> http::Request<Body> {
        let mut req = http::Request::builder()
            .method("POST")
            .uri("http://example.com/a?b=c")
            .header(AUTHORIZATION, "Bearer user-supplied")
            .body(body)
            .unwrap();
        if let Some(auth) = auth {
            req.extensions_mut().insert(auth);
        }
        req
    }

    fn auth_header(spy: &Spy, i: usize) -> Option<String> {
        spy.seen()[i].header("authorization").map(str::to_owned)
    }

    // treq's test_auth: test_sets_headers / test_overrides_per_request_headers.
    #[tokio::test]
    async fn basic_and_bearer_override_the_callers_header() {
        let (agent, seen) = spy(|_, _| ok());
        agent
            .request(request(
                Some(("username", "password").into()),
                Body::empty(),
            ))
            .await
            .unwrap();
        agent
            .request(request(Some(Auth::bearer("t")), Body::empty()))
            .await
            .unwrap();
        agent.request(request(None, Body::empty())).await.unwrap();
        assert_eq!(
            auth_header(&seen, 0).unwrap(),
            "Basic dXNlcm5hbWU6cGFzc3dvcmQ="
        );
        assert_eq!(auth_header(&seen, 1).unwrap(), "Bearer t");
        assert_eq!(auth_header(&seen, 2).unwrap(), "Bearer user-supplied");
        assert_eq!(seen.seen()[0].headers.len(), 1, "only the auth header");
    }

    #[tokio::test]
    async fn digest_answers_the_challenge_replaying_the_body_then_counts_up_front() {
        let (agent, seen) = spy(|n, req| {
            if req.headers.contains_key(AUTHORIZATION) && n > 0 {
                ok()
            } else {
                challenge("n1", false)
            }
        });
        let digest = || Some(Auth::digest("u", "p"));
        let resp = agent
            .request(request(digest(), Body::from("payload")))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        {
            let seen = seen.seen();
            assert_eq!(seen.len(), 2);
            assert!(
                !seen[0].headers.contains_key(AUTHORIZATION),
                "user header removed"
            );
            assert_eq!(seen[1].body.as_deref(), Some(&b"payload"[..]));
        }
        let first = auth_header(&seen, 1).unwrap();
        assert!(
            first.contains("nc=00000001") && first.contains(r#"uri="/a?b=c""#),
            "{first}"
        );
        // The next request to the origin answers up front with nc=2.
        agent
            .request(request(digest(), Body::empty()))
            .await
            .unwrap();
        assert_eq!(seen.seen().len(), 3);
        assert!(auth_header(&seen, 2).unwrap().contains("nc=00000002"));
    }

    #[tokio::test]
    async fn wrong_password_returns_the_401_and_stale_retries_once() {
        let (agent, seen) = spy(|_, _| challenge("n", false));
        let resp = agent
            .request(request(Some(Auth::digest("u", "bad")), Body::empty()))
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(seen.seen().len(), 2);

        let (agent, seen) = spy(|n, _| match n {
            0 => challenge("n1", false),
            1 => challenge("n2", true),
            _ => ok(),
        });
        let resp = agent
            .request(request(Some(Auth::digest("u", "p")), Body::empty()))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(auth_header(&seen, 2).unwrap().contains(r#"nonce="n2""#));

        // Stale forever: one stale retry, then the 401.
        let (agent, seen) = spy(|n, _| challenge(&format!("n{n}"), n > 0));
        let resp = agent
            .request(request(Some(Auth::digest("u", "p")), Body::empty()))
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(seen.seen().len(), 3);
    }

    #[tokio::test]
    async fn challenge_from_another_origin_is_not_answered() {
        let (agent, seen) = spy(|_, _| {
            let mut resp = challenge("n", false);
            resp.extensions_mut().insert(SentRequest::new(
                http::Method::POST,
                Uri::from_static("http://evil.example:8080/x"),
                http::HeaderMap::new(),
            ));
            resp
        });
        let resp = agent
            .request(request(Some(Auth::digest("u", "p")), Body::empty()))
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(seen.seen().len(), 1);
    }

    #[tokio::test]
    async fn a_challenged_stream_body_is_a_clear_error() {
        let (agent, _) = spy(|_, _| challenge("n", false));
        let stream = futures_util::stream::iter([Ok::<_, std::io::Error>("x")]);
        let err = agent
            .request(request(
                Some(Auth::digest("u", "p")),
                Body::wrap_stream(stream),
            ))
            .await
            .unwrap_err();
        assert!(
            err.is_request() && err.to_string().contains("cannot be sent again"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn netrc_applies_only_without_auth_or_header() {
        let dir = std::env::temp_dir().join(format!("treq-auth-netrc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("netrc");
        std::fs::write(&path, "machine example.com login n password rc\n").unwrap();
        let seen = Spy::new(|_| ok());
        let agent = AuthAgent::with_netrc_path(Arc::clone(&seen), &path);
        let mut plain = request(None, Body::empty());
        plain.headers_mut().remove(AUTHORIZATION);
        agent.request(plain).await.unwrap();
        agent.request(request(None, Body::empty())).await.unwrap();
        agent
            .request(request(Some(("a", "b").into()), Body::empty()))
            .await
            .unwrap();
        assert_eq!(auth_header(&seen, 0).unwrap(), "Basic bjpyYw==");
        assert_eq!(auth_header(&seen, 1).unwrap(), "Bearer user-supplied");
        assert_eq!(auth_header(&seen, 2).unwrap(), "Basic YTpi");

        std::fs::write(&path, "machine example.com login").unwrap();
        let agent = AuthAgent::with_netrc_path(seen, &path);
        let mut plain = request(None, Body::empty());
        plain.headers_mut().remove(AUTHORIZATION);
        let err = agent.request(plain).await.unwrap_err();
        assert!(
            err.is_builder() && err.to_string().contains("line 1"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn netrc_default_entry_goes_over_https_only() {
        let dir = std::env::temp_dir().join(format!("treq-auth-netrc-dflt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("netrc");
        std::fs::write(
            &path,
            "default login anon password guest
",
        )
        .unwrap();
        let seen = Spy::new(|_| ok());
        let agent = AuthAgent::with_netrc_path(Arc::clone(&seen), &path);
        for uri in ["http://any.example/", "https://any.example/"] {
            let req = http::Request::get(uri).body(Body::empty()).unwrap();
            agent.request(req).await.unwrap();
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(auth_header(&seen, 0), None, "not over plain http");
        // base64("anon:guest")
        assert_eq!(auth_header(&seen, 1).unwrap(), "Basic YW5vbjpndWVzdA==");
    }

    #[test]
    fn origins_fill_in_default_ports() {
        assert_eq!(
            origin(&Uri::from_static("http://A.com/x")),
            "http://a.com:80"
        );
        assert_eq!(
            origin(&Uri::from_static("https://a.com:443/")),
            "https://a.com:443"
        );
        assert_ne!(
            origin(&Uri::from_static("http://a.com/")),
            origin(&Uri::from_static("https://a.com/"))
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let s = format!("{:?}", Auth::basic("u", "hunter2"));
        assert!(!s.contains("hunter2"));
        assert!(!format!("{:?}", Auth::bearer("tok")).contains("tok"));
        assert!(!format!("{:?}", Auth::digest("u", "hunter2")).contains("hunter2"));
    }
}
