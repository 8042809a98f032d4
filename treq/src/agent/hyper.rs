//! `HyperAgent`: the production transport over hyper-util's pooled client and rustls.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderValue, HOST};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_pki_types::CertificateDer;

use super::connections::{HostKey, HostLimits, SharedConnector, TrackedConnector};
use super::proxy::{self, Proxies, Proxy, ProxyConnector, ProxySettings};
use super::replay::{self, PooledClient};
use super::tls_alert::{self, TlsEnded};
use super::transport::TransportSettings;
use super::{Agent, ResponseFuture};
use crate::error::{self, BoxError, ErrorKind};
use crate::{Body, Error};

/// The production [`Agent`]: a pooled keep-alive client speaking HTTP/1.1 and
/// HTTP/2 (negotiated by ALPN) over TCP or TLS (rustls).
///
/// Certificates are verified like a browser: the chain must lead to a trusted
/// root (Mozilla's, from `webpki-roots`, by default) and name the host. Cheap
/// to clone: clones share one connection pool.
///
/// A request is sent again only when the server cannot have acted on it, or
/// when sending it twice is harmless:
///
/// - a reused keep-alive connection turned out dead before the request was
///   written (any method);
/// - a reused keep-alive connection closed before any answer: once more, for
///   an idempotent method (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) with an
///   in-memory body. A brand-new connection closed under a request is the
///   server's answer, and is never replayed;
/// - an HTTP/2 stream the server never processed (above the last stream id of
///   its GOAWAY, or refused with REFUSED_STREAM), for any method with an
///   in-memory body, up to 3 more times on a new connection. After that the
///   request fails with an [`is_request`](crate::Error::is_request) error.
///
/// ```no_run
/// # async fn run() -> treq::Result<()> {
/// use std::time::Duration;
/// let agent = treq::HyperAgent::builder()
///     .connect_timeout(Duration::from_secs(5))
///     .pool_idle_timeout(Duration::from_secs(30))
///     .build()?;
/// let client = treq::HttpClient::new(agent);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HyperAgent {
    client: Arc<PooledClient>,
    limits: Option<HostLimits>,
    protocols: Protocols,
    proxies: Proxies,
}

/// Which HTTP versions an agent may speak, which decides whether a request
/// can travel over HTTP/2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocols {
    Http1Only,
    /// HTTP/2 where TLS negotiates it (ALPN), HTTP/1.1 otherwise.
    Both,
    /// HTTP/2 always, with prior knowledge over plain TCP.
    Http2Only,
}

impl Protocols {
    fn of(http1: bool, http2: bool) -> Self {
        match (http1, http2) {
            (true, true) => Protocols::Both,
            (false, true) => Protocols::Http2Only,
            _ => Protocols::Http1Only,
        }
    }

    /// True if a request to `uri` may go over HTTP/2.
    fn may_use_h2(self, uri: &http::Uri) -> bool {
        match self {
            Protocols::Http1Only => false,
            Protocols::Both => uri.scheme() == Some(&http::uri::Scheme::HTTPS),
            Protocols::Http2Only => true,
        }
    }
}

impl HyperAgent {
    /// An agent with the default settings (webpki roots, 90 s idle timeout,
    /// 10 s connect timeout, HTTP/1.1 and HTTP/2). Requests must be sent from
    /// inside a tokio runtime.
    pub fn new() -> Self {
        HyperAgent::builder()
            .build()
            .expect("the default TLS configuration is valid")
    }

    /// Configures an agent.
    pub fn builder() -> HyperAgentBuilder {
        HyperAgentBuilder::default()
    }
}

impl Default for HyperAgent {
    fn default() -> Self {
        HyperAgent::new()
    }
}

impl fmt::Debug for HyperAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperAgent").finish_non_exhaustive()
    }
}

impl Agent for HyperAgent {
    fn request(&self, mut request: http::Request<Body>) -> ResponseFuture {
        match request.uri().scheme_str() {
            Some("http") | Some("https") => {}
            other => {
                let msg = format!(
                    "unsupported URL scheme {:?}: only http and https are supported",
                    other.unwrap_or("")
                );
                return Box::pin(async move { Err(error::builder(msg)) });
            }
        }
        // hyper-util spawns connection tasks with `tokio::spawn`, which panics
        // outside a runtime; make that a clear error instead.
        if tokio::runtime::Handle::try_current().is_err() {
            return Box::pin(async {
                Err(error::builder(
                    "HyperAgent requests must be sent from inside a tokio runtime",
                ))
            });
        }
        let in_flight = self
            .limits
            .as_ref()
            .and_then(|limits| Some(limits.in_flight(HostKey::of(request.uri())?)));
        // The head as it came, before the proxy's changes: the record of the
        // request, and what a replay is made from.
        let head = replay::Head::of(&request);
        let forwarded = self.proxies.prepare(&mut request);
        let may_use_h2 = self.protocols.may_use_h2(request.uri());
        let proxies = (!self.proxies.is_empty()).then(|| self.proxies.clone());
        let ready = move |request: &mut http::Request<Body>, again: bool| {
            if again {
                // A replay is prepared for its proxy as the first send was.
                match &proxies {
                    Some(proxies) => drop(proxies.prepare(request)),
                    None => super::proxy::strip_proxy_authorization(request),
                }
            }
            // hyper-util would format the same value on every request.
            if !may_use_h2 {
                if let Some(value) = cached_host_header(request.uri()) {
                    // One lookup for both the check and the insert.
                    if let http::header::Entry::Vacant(slot) = request.headers_mut().entry(HOST) {
                        slot.insert(value);
                    }
                }
            }
        };
        let sent = replay::send(&self.client, head, request, may_use_h2, ready);
        if let Some(forwarded) = forwarded {
            return Box::pin(async move {
                let _in_flight = in_flight;
                forwarded.check(sent.await)
            });
        }
        match in_flight {
            None => Box::pin(sent),
            Some(in_flight) => Box::pin(async move {
                // Counted until the response head (or the failure) arrives, so a
                // connect waiting for a free slot knows it is still wanted.
                let _in_flight = in_flight;
                sent.await
            }),
        }
    }
}

thread_local! {
    /// The last `Host` value made on this thread, with the authority and
    /// whether the scheme was https: a client mostly talks to one host, and
    /// a clone shares the value's bytes instead of allocating them again.
    static LAST_HOST: RefCell<Option<(Box<str>, bool, HeaderValue)>> = const { RefCell::new(None) };
}

/// [`host_header`], remembered for the last authority seen on this thread.
fn cached_host_header(uri: &http::Uri) -> Option<HeaderValue> {
    let authority = uri.authority()?.as_str();
    let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
    LAST_HOST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((known, known_https, value)) = &*last {
            if **known == *authority && *known_https == https {
                return Some(value.clone());
            }
        }
        let value = host_header(uri)?;
        *last = Some((authority.into(), https, value.clone()));
        Some(value)
    })
}

/// The `Host` header of an HTTP/1.1 request to `uri`, as hyper-util writes
/// it (the host, and the port unless it is the scheme's default), taken from
/// the authority as written. `None` (hyper-util then writes it) for an
/// authority with userinfo or a port hyper-util would rewrite (leading zeros)
/// or drop (not a 16-bit number).
fn host_header(uri: &http::Uri) -> Option<HeaderValue> {
    let text = uri.authority()?.as_str();
    if text.contains('@') {
        return None;
    }
    // The port follows the last colon, unless that colon is inside an IPv6 literal.
    let (host, port) = match text.rfind(':') {
        Some(i) if !text[i..].contains(']') => (&text[..i], &text[i + 1..]),
        _ => (text, ""),
    };
    let default = if uri.scheme() == Some(&http::uri::Scheme::HTTPS) {
        "443"
    } else {
        "80"
    };
    let value = if port.is_empty() || port == default {
        host
    } else if port.starts_with('0') || port.parse::<u16>().is_err() {
        return None;
    } else {
        text
    };
    HeaderValue::from_str(value).ok()
}

/// Maps hyper-util's error to our kinds: TLS, connect, or request.
pub(super) fn classify(err: hyper_util::client::legacy::Error) -> Error {
    if let Some(message) = proxy::failure_in(&err) {
        return error::proxy(message, Some(Box::new(err)));
    }
    let tls = is_tls_failure(&err);
    let connect = err.is_connect();
    if !tls {
        if let Some(tls) = tls_alert::seen(err.connect_info()) {
            // The connection's TLS failed under the request (HTTP/2 reports
            // only the closed connection to the request).
            let ended = TlsEnded {
                tls,
                source: Box::new(err),
            };
            return Error::new(ErrorKind::Tls, Some(Box::new(ended)));
        }
    }
    let boxed: BoxError = Box::new(err);
    if tls {
        Error::new(ErrorKind::Tls, Some(boxed))
    } else if connect {
        Error::new(ErrorKind::Connect, Some(boxed))
    } else {
        // A `treq::Error` raised by our own request body (e.g. a failed file read)
        // travels inside hyper's error; surface the request failure with it as source.
        error::request(boxed)
    }
}

/// True if a rustls error is anywhere in the chain (hyper-rustls nests it
/// inside io errors; see `error::chain_any`).
fn is_tls_failure(err: &(dyn std::error::Error + 'static)) -> bool {
    error::chain_any(err, &|e| e.is::<rustls::Error>())
}

/// A duration too long to add to an `Instant` (hyper-util's idle task would
/// panic on `Duration::MAX`) means no limit, which is what it says anyway.
fn finite(timeout: Option<Duration>) -> Option<Duration> {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    timeout.filter(|t| *t < CENTURY)
}

/// Which certificates a [`HyperAgent`] trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RootStore {
    /// Mozilla's roots compiled in (`webpki-roots`). The default.
    Webpki,
    /// The operating system's trust store (`rustls-native-certs`).
    Native,
    /// Only the certificates added with `add_root_certificate`.
    None,
}

/// Builds a [`HyperAgent`].
#[derive(Debug, Clone)]
#[must_use]
pub struct HyperAgentBuilder {
    connect_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    roots: RootStore,
    extra_roots: Vec<CertificateDer<'static>>,
    pem_errors: Vec<String>,
    http2: bool,
    http1: bool,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    nodelay: bool,
    max_connections_per_host: Option<usize>,
    proxies: ProxySettings,
    /// DNS, client certificate and socket settings (`transport.rs`).
    pub(super) transport: TransportSettings,
}

impl Default for HyperAgentBuilder {
    fn default() -> Self {
        HyperAgentBuilder {
            connect_timeout: Some(Duration::from_secs(10)),
            pool_idle_timeout: Some(Duration::from_secs(90)),
            pool_max_idle_per_host: usize::MAX,
            roots: RootStore::Webpki,
            extra_roots: Vec::new(),
            pem_errors: Vec::new(),
            http2: true,
            http1: true,
            tls_config: None,
            nodelay: true,
            max_connections_per_host: None,
            proxies: ProxySettings::default(),
            transport: TransportSettings::default(),
        }
    }
}

impl HyperAgentBuilder {
    /// Time allowed for each step of opening a connection (`None`: no
    /// limit): resolving the host name, the TCP connect, a proxy's
    /// handshake, and the TLS handshake. A step that takes longer fails the
    /// request with an error for which `is_connect()` and `is_timeout()`
    /// hold. Default 10 s.
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = finite(timeout.into());
        self
    }

    /// How long an idle keep-alive connection is kept (`None`: forever). Default 90 s.
    pub fn pool_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.pool_idle_timeout = finite(timeout.into());
        self
    }

    /// The most idle connections kept per host. `0` disables keep-alive reuse.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Which root certificates to trust. Default: [`RootStore::Webpki`].
    pub fn root_store(mut self, roots: RootStore) -> Self {
        self.roots = roots;
        self
    }

    /// Trusts this DER-encoded certificate too.
    pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(CertificateDer::from(der.into()));
        self
    }

    /// Trusts every certificate in this PEM text too. A PEM that holds no
    /// certificate makes `build` fail.
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        let mut reader = pem.as_ref();
        let mut found = false;
        for cert in rustls_pemfile::certs(&mut reader) {
            match cert {
                Ok(c) => {
                    found = true;
                    self.extra_roots.push(c);
                }
                Err(e) => self.pem_errors.push(e.to_string()),
            }
        }
        if !found {
            self.pem_errors
                .push("no CERTIFICATE block found in the PEM text".into());
        }
        self
    }

    /// Offer HTTP/2 by ALPN (default true).
    pub fn http2(mut self, enabled: bool) -> Self {
        self.http2 = enabled;
        self
    }

    /// Speak only HTTP/2: over TLS ALPN offers just `h2`, and `http://` URLs
    /// get HTTP/2 with prior knowledge (h2c), as
    /// [`http2_prior_knowledge`](Self::http2_prior_knowledge).
    pub fn http2_only(mut self) -> Self {
        self.http1 = false;
        self.http2 = true;
        self
    }

    /// Speaks HTTP/2 from the first byte on `http://` URLs (h2c with prior
    /// knowledge, RFC 9113 §3.3), with no HTTP/1.1 upgrade; the server must
    /// speak HTTP/2 on that port. `https://` URLs offer only `h2` by ALPN.
    /// The same as [`http2_only`](Self::http2_only).
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// let agent = treq::HyperAgent::builder().http2_prior_knowledge().build()?;
    /// let client = treq::HttpClient::new(agent);
    /// let response = client.get("http://127.0.0.1:8080/").await?;
    /// assert_eq!(response.version(), http::Version::HTTP_2);
    /// # Ok(()) }
    /// ```
    pub fn http2_prior_knowledge(self) -> Self {
        self.http2_only()
    }

    /// Uses this rustls configuration as is (roots, client certificates,
    /// verification). ALPN is set from the `http1`/`http2` choices.
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls_config = Some(Arc::new(config));
        self
    }

    /// Sets `TCP_NODELAY` (default true).
    pub fn tcp_nodelay(mut self, enabled: bool) -> Self {
        self.nodelay = enabled;
        self
    }

    /// The most connections open at once to one scheme, host and port, idle
    /// pooled ones included (`None`: no limit, the default). Must be at least 1.
    ///
    /// A request that finds every connection of its host busy waits for one
    /// to come back to the pool or close, so 10,000 concurrent requests to one
    /// server use at most this many sockets. An HTTP/2 connection counts once
    /// however many requests it carries.
    ///
    /// Over HTTP/1.1 a connection stays busy until its response body is read
    /// to the end or dropped: code that holds more unread responses from one
    /// host than the cap makes its next request to that host wait (bound it
    /// with a timeout). That is why there is no cap by default, as in Go's
    /// `net/http`, curl and hyper-util.
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// let agent = treq::HyperAgent::builder()
    ///     .max_connections_per_host(50)
    ///     .build()?;
    /// let client = treq::HttpClient::new(agent);
    /// # Ok(()) }
    /// ```
    pub fn max_connections_per_host(mut self, max: impl Into<Option<usize>>) -> Self {
        self.max_connections_per_host = max.into();
        self
    }

    /// Sends requests through this proxy when it matches (see [`Proxy`]).
    /// Several proxies are tried in the order added; the first that matches
    /// the URL is used. Adding one replaces the environment's proxies.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxies.add(proxy);
        self
    }

    /// Connects directly: no proxy from the environment (`HTTP_PROXY`,
    /// `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, read by default), and none
    /// added before.
    pub fn no_proxy(mut self) -> Self {
        self.proxies.clear();
        self
    }

    /// Builds the agent. Fails on an unusable certificate or TLS setting, or
    /// a connection cap of 0.
    pub fn build(self) -> crate::Result<HyperAgent> {
        if let Some(e) = self.pem_errors.first() {
            return Err(error::builder(format!("invalid root certificate: {e}")));
        }
        if self.max_connections_per_host == Some(0) {
            return Err(error::builder(
                "max_connections_per_host must be at least 1 (None means no limit)",
            ));
        }
        let limits = self.max_connections_per_host.map(HostLimits::new);
        let proxies = self.proxies.build()?;
        let mut transport = self.transport;
        let identity = transport.take_identity(self.tls_config.is_some())?;
        let tls = match self.tls_config {
            Some(cfg) => (*cfg).clone(),
            None => {
                let mut roots = rustls::RootCertStore::empty();
                match self.roots {
                    RootStore::Webpki => {
                        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                    }
                    RootStore::Native => {
                        let loaded = rustls_native_certs::load_native_certs();
                        for cert in loaded.certs {
                            // A few unparsable system certificates are not fatal.
                            let _ = roots.add(cert);
                        }
                    }
                    RootStore::None => {}
                }
                for cert in self.extra_roots {
                    roots
                        .add(cert)
                        .map_err(|e| error::builder_with("invalid root certificate", e))?;
                }
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| error::builder_with("invalid TLS configuration", e))?
                    .with_root_certificates(roots);
                super::identity::client_auth(config, identity)?
            }
        };
        let unix_socket = transport.uses_unix_socket();
        // One resolver (its overrides shared) for TCP and for `socks5://`.
        let resolver = transport.resolver(self.connect_timeout);
        let http = transport.connector(resolver.clone(), |http| {
            http.enforce_http(false);
            http.set_connect_timeout(self.connect_timeout);
            http.set_nodelay(self.nodelay);
        });
        // A Unix socket carries every request itself: no proxy applies.
        let proxies = if unix_socket {
            Proxies::none()
        } else {
            proxies
        };
        let http = ProxyConnector::new(
            http,
            resolver,
            tls.clone(),
            proxies.clone(),
            self.connect_timeout,
        );
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        let protocols = Protocols::of(self.http1, self.http2);
        let https = match protocols {
            Protocols::Both => builder.enable_http1().enable_http2().wrap_connector(http),
            Protocols::Http2Only => builder.enable_http2().wrap_connector(http),
            Protocols::Http1Only => builder.enable_http1().wrap_connector(http),
        };
        let mut client = Client::builder(TokioExecutor::new());
        client
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host);
        if protocols == Protocols::Http2Only {
            client.http2_only(true);
        }
        Ok(HyperAgent {
            client: Arc::new(client.build(SharedConnector::new(TrackedConnector::new(
                https,
                limits.clone(),
                self.connect_timeout,
            )))),
            limits,
            protocols,
            proxies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn other_schemes_are_builder_errors() {
        let agent = HyperAgent::new();
        let req = http::Request::get("ftp://example.com/x")
            .body(Body::empty())
            .unwrap();
        let err = agent.request(req).await.unwrap_err();
        assert!(err.is_builder(), "{err:?}");
        assert!(err.to_string().contains("ftp"), "{err}");
    }

    #[test]
    fn tls_errors_are_found_inside_nested_io_errors() {
        // hyper-rustls reports a bad certificate as io(Other, io(InvalidData, rustls)).
        let rustls_err = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let nested = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls_err,
        ));
        assert!(is_tls_failure(&nested));
        let plain =
            std::io::Error::other(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(!is_tls_failure(&plain));
    }

    #[test]
    fn outside_a_runtime_is_an_error_not_a_panic() {
        let agent = HyperAgent::new();
        let req = http::Request::get("http://127.0.0.1:9/")
            .body(Body::empty())
            .unwrap();
        let mut fut = agent.request(req);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(Err(err)) => {
                assert!(err.is_builder(), "{err:?}");
                assert!(err.to_string().contains("tokio runtime"), "{err}");
            }
            other => panic!("expected an immediate error, got {other:?}"),
        }
    }

    #[test]
    fn host_headers_match_what_hyper_util_writes() {
        let host = |uri: &str| host_header(&uri.parse().unwrap());
        assert_eq!(host("http://127.0.0.1:8080/x").unwrap(), "127.0.0.1:8080");
        assert_eq!(host("http://Example.com/x").unwrap(), "Example.com");
        assert_eq!(host("http://example.com:80/").unwrap(), "example.com");
        assert_eq!(host("https://example.com:443/").unwrap(), "example.com");
        assert_eq!(host("https://example.com:80/").unwrap(), "example.com:80");
        assert_eq!(host("http://[::1]:8080/").unwrap(), "[::1]:8080");
        assert_eq!(host("http://[::1]/").unwrap(), "[::1]");
        // Left to hyper-util, which writes the host and the port as a number.
        assert!(host("http://user@example.com/").is_none());
        assert!(host("http://example.com:0080/").is_none());
        assert!(host("http://example.com:99999/").is_none());
        assert_eq!(host("http://example.com:/").unwrap(), "example.com");
    }

    #[test]
    fn the_remembered_host_is_keyed_by_authority_and_scheme() {
        let host = |uri: &str| cached_host_header(&uri.parse().unwrap()).unwrap();
        for _ in 0..2 {
            assert_eq!(host("http://a:443/"), "a:443");
            assert_eq!(host("https://a:443/"), "a");
            assert_eq!(host("https://a:443/other"), "a");
            assert_eq!(host("https://b:443/"), "b");
            assert_eq!(host("http://a:8080/"), "a:8080");
        }
        assert!(cached_host_header(&"http://u@a:8080/".parse().unwrap()).is_none());
        assert_eq!(host("http://a:8080/"), "a:8080");
    }

    #[tokio::test]
    async fn an_http1_request_carries_one_host_header() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.ends_with(b"\r\n\r\n") {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "closed before the end of the head");
                head.extend_from_slice(&buf[..n]);
            }
            socket
                .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8(head).unwrap()
        });
        let agent = HyperAgent::new();
        let req = http::Request::get(format!("http://127.0.0.1:{port}/x"))
            .header("x-mine", "1")
            .body(Body::empty())
            .unwrap();
        let response = agent.request(req).await.unwrap();
        assert_eq!(response.status(), 204);
        // The response carries the record of the request, without the
        // `Host` the transport added.
        let sent = response
            .extensions()
            .get::<crate::extensions::SentRequest>()
            .expect("a HyperAgent response carries its request");
        assert_eq!(sent.uri(), &*format!("http://127.0.0.1:{port}/x"));
        assert_eq!(sent.headers()["x-mine"], "1");
        assert!(!sent.headers().contains_key(HOST));
        let head = server.await.unwrap().to_ascii_lowercase();
        let hosts: Vec<&str> = head.lines().filter(|l| l.starts_with("host:")).collect();
        assert_eq!(hosts, [format!("host: 127.0.0.1:{port}")]);
    }

    #[test]
    fn only_tls_or_prior_knowledge_can_carry_http2() {
        let http: http::Uri = "http://a/".parse().unwrap();
        let https: http::Uri = "https://a/".parse().unwrap();
        let both = Protocols::of(true, true);
        assert!(!both.may_use_h2(&http));
        assert!(both.may_use_h2(&https));
        let h2 = Protocols::of(false, true);
        assert!(h2.may_use_h2(&http) && h2.may_use_h2(&https));
        let h1 = Protocols::of(true, false);
        assert!(!h1.may_use_h2(&http) && !h1.may_use_h2(&https));
    }

    #[test]
    fn huge_durations_mean_no_limit() {
        let b = HyperAgent::builder()
            .connect_timeout(Duration::MAX)
            .pool_idle_timeout(Duration::MAX);
        assert_eq!((b.connect_timeout, b.pool_idle_timeout), (None, None));
        let b = b
            .connect_timeout(Duration::from_secs(3))
            .pool_idle_timeout(Duration::from_secs(4));
        assert_eq!(b.connect_timeout, Some(Duration::from_secs(3)));
        assert_eq!(b.pool_idle_timeout, Some(Duration::from_secs(4)));
    }

    #[test]
    fn a_connection_cap_of_zero_is_a_build_error() {
        let err = HyperAgent::builder()
            .max_connections_per_host(0)
            .build()
            .unwrap_err();
        assert!(err.is_builder(), "{err:?}");
        assert!(HyperAgent::builder()
            .max_connections_per_host(None)
            .build()
            .is_ok());
    }

    #[test]
    fn bad_pem_is_a_build_error() {
        let err = HyperAgent::builder()
            .add_root_certificate_pem("not a pem")
            .build()
            .unwrap_err();
        assert!(err.is_builder());
    }

    #[tokio::test]
    async fn refused_connection_is_a_connect_error() {
        // Bind then drop a listener to find a port nobody listens on.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let agent = HyperAgent::new();
        let req = http::Request::get(format!("http://127.0.0.1:{port}/"))
            .body(Body::empty())
            .unwrap();
        let err = agent.request(req).await.unwrap_err();
        assert!(err.is_connect(), "{err:?}");
    }
}
