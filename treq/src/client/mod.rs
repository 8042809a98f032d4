//! `HttpClient<A>`: a session over any [`Agent`], with a cookie jar and defaults.

mod pipeline;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderMap, HeaderName};
use http::Method;

use crate::agent::Agent;
use crate::cookies::CookieJar;
use crate::request::{parse_method, IntoHeaders, IntoUrl, RequestBuilder};

pub(crate) use self::pipeline::Stack;

/// A session: an agent, a cookie jar that persists across requests, and
/// defaults. Cheap to clone (clones share the agent and the jar).
///
/// Generic over the [`Agent`] so the same code runs against the network
/// ([`HyperAgent`](crate::HyperAgent)) and in memory (`treq_testing::StubTreq`):
///
/// ```no_run
/// async fn fetch_status<A: treq::Agent>(client: &treq::HttpClient<A>) -> treq::Result<u16> {
///     Ok(client.get("http://127.0.0.1:8080/status/418").await?.code())
/// }
/// ```
pub struct HttpClient<A: Agent> {
    inner: Arc<ClientInner<A>>,
}

pub(crate) struct ClientInner<A: Agent> {
    pub(crate) agent: Arc<A>,
    pub(crate) stack: Stack<A>,
    pub(crate) jar: CookieJar,
    pub(crate) config: ClientConfig,
}

/// Client-wide defaults applied to every request.
#[derive(Debug, Clone)]
pub(crate) struct ClientConfig {
    pub(crate) default_headers: HeaderMap,
    pub(crate) timeout: Option<Duration>,
    /// The longest the server may stay silent (see `ClientBuilder::read_timeout`).
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) max_redirects: usize,
    pub(crate) sensitive_headers: Vec<HeaderName>,
    pub(crate) max_decompressed_size: Option<u64>,
    /// The most bytes a buffered read may hold (`None`: no limit).
    pub(crate) max_body_size: Option<u64>,
    pub(crate) netrc: bool,
    /// The first invalid option given to the builder: every request fails
    /// with it, so a bad default header is never silently dropped.
    pub(crate) invalid: Option<String>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            default_headers: HeaderMap::new(),
            timeout: None,
            read_timeout: None,
            max_redirects: 20,
            sensitive_headers: Vec::new(),
            max_decompressed_size: Some(1 << 30),
            max_body_size: Some(crate::response::DEFAULT_MAX_BODY_SIZE),
            netrc: false,
            invalid: None,
        }
    }
}

impl<A: Agent> HttpClient<A> {
    /// A client over `agent` with an empty cookie jar and default settings.
    pub fn new(agent: A) -> Self {
        ClientBuilder::new(agent).build()
    }

    /// Configures a client over `agent`.
    pub fn builder(agent: A) -> ClientBuilder<A> {
        ClientBuilder::new(agent)
    }

    /// The agent requests go through.
    pub fn agent(&self) -> &A {
        &self.inner.agent
    }

    /// The session cookie jar (shared: changes are seen by later requests).
    pub fn cookie_jar(&self) -> &CookieJar {
        &self.inner.jar
    }

    /// Starts a request with any method (case-insensitive: `"gEt"` is GET).
    pub fn request(&self, method: &str, url: impl IntoUrl) -> RequestBuilder<A> {
        let url = url.into_url();
        match parse_method(method) {
            Ok(m) => RequestBuilder::new(self.clone(), m, url),
            Err(e) => {
                let failed = url.and_then(|u| Err(e.with_url(u)));
                RequestBuilder::new(self.clone(), Method::GET, failed)
            }
        }
    }

    /// Starts a request with an `http::Method`.
    pub fn request_method(&self, method: Method, url: impl IntoUrl) -> RequestBuilder<A> {
        RequestBuilder::new(self.clone(), method, url.into_url())
    }

    /// Starts a GET request.
    pub fn get(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.request_method(Method::GET, url)
    }

    /// Starts a HEAD request.
    pub fn head(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.request_method(Method::HEAD, url)
    }

    /// Starts a POST request.
    pub fn post(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.request_method(Method::POST, url)
    }

    /// Starts a PUT request.
    pub fn put(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.request_method(Method::PUT, url)
    }

    /// Starts a PATCH request.
    pub fn patch(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.request_method(Method::PATCH, url)
    }

    /// Starts a DELETE request.
    pub fn delete(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.request_method(Method::DELETE, url)
    }

    /// Starts an OPTIONS request.
    pub fn options(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.request_method(Method::OPTIONS, url)
    }

    pub(crate) fn inner(&self) -> &ClientInner<A> {
        &self.inner
    }
}

impl<A: Agent> Clone for HttpClient<A> {
    fn clone(&self) -> Self {
        HttpClient {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<A: Agent> fmt::Debug for HttpClient<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("agent", &std::any::type_name::<A>())
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Builds an [`HttpClient`].
#[must_use]
pub struct ClientBuilder<A: Agent> {
    agent: A,
    jar: Option<CookieJar>,
    config: ClientConfig,
    error: Option<crate::Error>,
}

impl<A: Agent> ClientBuilder<A> {
    fn new(agent: A) -> Self {
        ClientBuilder {
            agent,
            jar: None,
            config: ClientConfig::default(),
            error: None,
        }
    }

    /// Headers sent with every request (a request's own value for the same
    /// name replaces them).
    pub fn default_headers(mut self, headers: impl IntoHeaders) -> Self {
        let mut map = HeaderMap::new();
        match headers.append_to(&mut map) {
            Ok(()) => self.config.default_headers.extend(map),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self.mark_sensitive_defaults();
        self
    }

    /// Secret default headers print as `Sensitive` in every `Debug`.
    fn mark_sensitive_defaults(&mut self) {
        crate::request::headers::mark_sensitive(
            &mut self.config.default_headers,
            &self.config.sensitive_headers,
        );
    }

    /// A default deadline for every request (a request's own `timeout` wins).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = (!timeout.is_zero()).then_some(timeout);
        self
    }

    /// A default read timeout for every request (a request's own
    /// `read_timeout` wins): the longest the server may stay silent. It bounds
    /// the wait for each response head (a streamed request body still going
    /// out counts as activity) and each wait for the next piece of the body;
    /// every piece that arrives starts the count again. So a slow but steady
    /// download succeeds, and a server that stops sending (or sends the head
    /// a byte at a time) fails with [`is_timeout`](crate::Error::is_timeout)
    /// after `read_timeout`. It covers every hop of a redirect chain and
    /// every digest retry, and works with `timeout`: whichever fires first
    /// ends the request, and the error says which one it was. Zero means
    /// none (the default).
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// use std::time::Duration;
    /// let client = treq::HttpClient::builder(treq::HyperAgent::new())
    ///     .read_timeout(Duration::from_secs(2))
    ///     .timeout(Duration::from_secs(60))
    ///     .build();
    /// match client.get("http://127.0.0.1:8080/drip").await?.content().await {
    ///     Ok(body) => println!("{} bytes", body.len()),
    ///     // "read timed out: no data from the server for 2s (read_timeout)"
    ///     Err(e) if e.is_timeout() => eprintln!("{e}"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.config.read_timeout = (!timeout.is_zero()).then_some(timeout);
        self
    }

    /// The default most redirects to follow (20 unless set).
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.config.max_redirects = max;
        self
    }

    /// Extra header names stripped, like `Authorization`, on cross-origin
    /// redirects. Their values also print as `Sensitive` in every `Debug`
    /// (as `Authorization`, `Proxy-Authorization` and `Cookie` always do).
    pub fn sensitive_headers<I, K>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: crate::request::HeaderKey,
    {
        for name in names {
            match name.to_header_name() {
                Ok(n) => self.config.sensitive_headers.push(n),
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            }
        }
        self.mark_sensitive_defaults();
        self
    }

    /// The most bytes a compressed response may expand to, in any of its
    /// decoding layers (default 1 GiB; `None` for no limit). Past it, reading
    /// fails with [`ErrorKind::BodyLimitExceeded`](crate::ErrorKind::BodyLimitExceeded).
    ///
    /// This is the cap for streaming reads of an `unbuffered(true)` response
    /// too. Buffered reads are also held to
    /// [`max_body_size`](Self::max_body_size), whichever is smaller.
    pub fn max_decompressed_size(mut self, limit: Option<u64>) -> Self {
        self.config.max_decompressed_size = limit;
        self
    }

    /// The most bytes a read that holds the whole body in memory may collect:
    /// `content`, `text` and `json` (buffered or not), and `collect` on a
    /// buffered response. Counted after decompression; `None` for no limit.
    /// Past it the read fails with
    /// [`ErrorKind::BodyLimitExceeded`](crate::ErrorKind::BodyLimitExceeded);
    /// a `Content-Length` above it fails before any body byte is read.
    /// A request's own [`max_body_size`](crate::RequestBuilder::max_body_size)
    /// wins.
    ///
    /// Streaming an `unbuffered(true)` response (`collect`, `into_body`,
    /// `bytes_stream`) is not limited by it. A compressed body of a buffered
    /// request is decoded up to this limit however it is read.
    ///
    /// The default is 128 MiB: a 2-core, 24 GiB machine running 64 buffered
    /// requests at once holds at most 8 GiB of bodies, a third of its memory,
    /// leaving room for a copy of each (`text()` makes one) and the rest of
    /// the program; a 1 MB gzip bomb then stops at 128 MiB instead of 1 GiB.
    ///
    /// ```no_run
    /// let client = treq::HttpClient::builder(treq::HyperAgent::new())
    ///     .max_body_size(Some(16 << 20)) // 16 MiB
    ///     .build();
    /// ```
    pub fn max_body_size(mut self, limit: Option<u64>) -> Self {
        self.config.max_body_size = limit;
        self
    }

    /// Reads credentials from `.netrc` (`$NETRC`, else `~/.netrc`) for requests
    /// that carry no auth of their own. The file's `default` entry is used for
    /// https requests only; over plain http only hosts with their own
    /// `machine` entry get credentials.
    pub fn netrc(mut self, enabled: bool) -> Self {
        self.config.netrc = enabled;
        self
    }

    /// Uses `jar` as the session jar (share it between clients, or pre-fill it).
    pub fn cookie_jar(mut self, jar: CookieJar) -> Self {
        self.jar = Some(jar);
        self
    }

    /// Builds the client. An invalid option given to the builder (say, a
    /// default header value with a line break) is not dropped: every request
    /// of the client then fails with it as a builder error. Use
    /// [`try_build`](Self::try_build) to see it here instead.
    pub fn build(self) -> HttpClient<A> {
        let ClientBuilder {
            agent,
            jar,
            mut config,
            error,
        } = self;
        if let Some(e) = error {
            config.invalid = Some(format!("invalid client option: {e}"));
        }
        let agent = Arc::new(agent);
        let jar = jar.unwrap_or_default();
        let stack = pipeline::build_stack(Arc::clone(&agent), &jar, &config);
        HttpClient {
            inner: Arc::new(ClientInner {
                agent,
                stack,
                jar,
                config,
            }),
        }
    }

    /// Builds the client, or returns the first invalid option given.
    pub fn try_build(mut self) -> crate::Result<HttpClient<A>> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(self.build()),
        }
    }
}

impl<A: Agent> fmt::Debug for ClientBuilder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
