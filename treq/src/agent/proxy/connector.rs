//! The connector that takes a connection through the chosen proxy, and the
//! request side of a forward proxy.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::PROXY_AUTHORIZATION;
use http::Uri;
use hyper::rt::{Read, Write};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connected, Connection};
use tower_service::Service;

use super::super::dns::Resolver;
use super::super::handshake::transport_ready;
use super::Proxies;
use crate::error::{self, BoxError, TimedOut};
use crate::Body;

/// A connector that reaches `dst` directly, through a CONNECT tunnel or a
/// SOCKS5 proxy, or connects to a forward proxy, as the proxy list says.
/// TLS to the origin (inside a tunnel) is added above it, by hyper-rustls;
/// TLS to an `https://` proxy is added here, by a second hyper-rustls
/// connector speaking HTTP/1.1 only.
#[derive(Clone)]
pub(in crate::agent) struct ProxyConnector<C> {
    inner: C,
    to_proxy: HttpsConnector<C>,
    proxies: Proxies,
    /// The agent's resolver, for the destinations of `socks5://` proxies.
    resolver: Resolver,
    /// The most a CONNECT or SOCKS handshake, or the connection to a
    /// forward proxy, may take, the TCP connect to the proxy included.
    handshake_timeout: Option<Duration>,
}

impl<C> std::fmt::Debug for ProxyConnector<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyConnector")
            .field("proxies", &self.proxies)
            .finish_non_exhaustive()
    }
}

impl<C: Clone> ProxyConnector<C> {
    /// `resolver` is the agent's (the one under `inner`), used for the
    /// destinations of `socks5://` proxies; `tls` is the agent's TLS
    /// configuration, used for `https://` proxies.
    pub(in crate::agent) fn new(
        inner: C,
        resolver: Resolver,
        tls: rustls::ClientConfig,
        proxies: Proxies,
        handshake_timeout: Option<Duration>,
    ) -> Self {
        let to_proxy = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(inner.clone());
        ProxyConnector {
            inner,
            to_proxy,
            proxies,
            resolver,
            handshake_timeout,
        }
    }
}

type Connecting<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<C> Service<Uri> for ProxyConnector<C>
where
    C: Service<Uri> + Clone + Send + 'static,
    C::Response: Read + Write + Connection + Unpin + Send + 'static,
    C::Future: Send + 'static,
    C::Error: StdError + Send + Sync + 'static,
{
    type Response = Route<C::Response>;
    type Error = BoxError;
    type Future = Connecting<Self::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let route = self.route(dst);
        Box::pin(async move {
            let route = route.await?;
            // The stream under TLS is ready: the TLS handshake's clock
            // starts now (see `handshake.rs`).
            transport_ready();
            Ok(route)
        })
    }
}

impl<C> ProxyConnector<C>
where
    C: Service<Uri> + Clone + Send + 'static,
    C::Response: Read + Write + Connection + Unpin + Send + 'static,
    C::Future: Send + 'static,
    C::Error: StdError + Send + Sync + 'static,
{
    /// The stream to `dst`: direct, or through the proxy the list names.
    fn route(&mut self, dst: Uri) -> Connecting<Route<C::Response>> {
        // Call the connector that was polled ready; keep a fresh clone.
        let fresh = self.inner.clone();
        let mut ready = std::mem::replace(&mut self.inner, fresh);
        let Some((intercept, proxy)) = self.proxies.intercept(&dst) else {
            return Box::pin(async move { Ok(Route::Direct(ready.call(dst).await?)) });
        };
        let mut to_proxy = self.to_proxy.clone();
        let proxy_uri = intercept.uri().clone();
        let timeout = self.handshake_timeout;
        if forwards(&proxy_uri, &dst) {
            return Box::pin(async move {
                // TCP and, to an `https://` proxy, TLS: the proxy's handshake.
                let io = within(timeout, &proxy, to_proxy.call(proxy_uri)).await?;
                Ok(Route::Forward(io))
            });
        }
        let scheme = proxy_uri.scheme_str().map(str::to_owned);
        match scheme.as_deref() {
            Some("http" | "https") => {
                let mut tunnel = Tunnel::new(proxy_uri, to_proxy);
                if let Some(auth) = intercept.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                let handshake = tunnel.call(dst);
                Box::pin(async move {
                    let io = within(timeout, &proxy, handshake).await?;
                    Ok(Route::Through(io))
                })
            }
            scheme => {
                // `socks5://` resolves the name here, with the agent's
                // resolver; `socks5h://` sends it to the proxy. SocksV5's
                // own local resolution would block the runtime and ignore
                // the agent's resolver, so it is never used.
                let resolver = (scheme == Some("socks5")).then(|| self.resolver.clone());
                let mut socks = SocksV5::new(proxy_uri, ready).local_dns(false);
                if let Some((user, password)) = intercept.raw_auth() {
                    socks = socks.with_auth(user.to_owned(), password.to_owned());
                }
                Box::pin(async move {
                    // The TLS above still uses `dst`: SNI and the
                    // certificate check keep the host name.
                    let target = socks_target(&dst, resolver).await?;
                    let handshake = socks.call(target);
                    let io = MaybeHttpsStream::Http(within(timeout, &proxy, handshake).await?);
                    Ok(Route::Through(io))
                })
            }
        }
    }
}

/// Whether a request for `dst` goes to the proxy at `proxy` as to a forward
/// proxy (in absolute form, with the proxy's `Proxy-Authorization`): an
/// `http://` target through an `http://` or `https://` proxy. Every other
/// proxied target goes through a CONNECT tunnel or SOCKS5.
fn forwards(proxy: &Uri, dst: &Uri) -> bool {
    matches!(
        (proxy.scheme_str(), dst.scheme_str()),
        (Some("http" | "https"), Some("http"))
    )
}

/// The destination SocksV5 asks the proxy for: `dst`'s host, or with a
/// `resolver` the address it finds for a host name, with the port always
/// written (the URL's, else 80 for `http://` and 443 for `https://`), since
/// SocksV5 takes 443 for a URI without one, whatever the scheme.
///
/// The lookup fails as the resolver's error (a lookup longer than the
/// connect timeout as timed out), not as the proxy's: the proxy has not
/// been contacted yet.
async fn socks_target(dst: &Uri, resolver: Option<Resolver>) -> Result<Uri, BoxError> {
    // An IPv6 host keeps its brackets here, as an authority needs.
    let host = dst.host().ok_or("the URL has no host")?;
    let port = dst.port_u16();
    let bare = host
        .strip_prefix('[')
        .and_then(|host| host.strip_suffix(']'))
        .unwrap_or(host);
    let authority = match resolver {
        // Hosts written as IP addresses are never resolved.
        Some(mut resolver) if bare.parse::<IpAddr>().is_err() => {
            let name: Name = bare.parse()?;
            let found = resolver
                .call(name)
                .await?
                .next()
                .ok_or_else(|| format!("resolving {bare} found no address"))?;
            // As on a direct connection: the URL's port, else the address's
            // own when it is not 0, else the scheme's.
            let port = match port {
                Some(port) => port,
                None if found.port() != 0 => found.port(),
                None => default_port(dst),
            };
            SocketAddr::new(found.ip(), port).to_string()
        }
        _ => format!("{host}:{}", port.unwrap_or(default_port(dst))),
    };
    let target = Uri::builder()
        .scheme(dst.scheme_str().unwrap_or("http"))
        .authority(authority)
        .path_and_query("/")
        .build()?;
    Ok(target)
}

/// The port of a URL that names none: 80 for `http://`, 443 otherwise.
fn default_port(dst: &Uri) -> u16 {
    if dst.scheme_str() == Some("http") {
        80
    } else {
        443
    }
}

/// Runs a proxy handshake under the deadline; every failure names the proxy.
async fn within<T, E>(
    timeout: Option<Duration>,
    proxy: &Arc<str>,
    handshake: impl Future<Output = Result<T, E>>,
) -> Result<T, BoxError>
where
    E: Into<BoxError>,
{
    let outcome = match timeout {
        Some(limit) => match tokio::time::timeout(limit, handshake).await {
            Ok(outcome) => outcome,
            Err(_elapsed) => return Err(ProxyFailure::boxed(proxy, Box::new(TimedOut))),
        },
        None => handshake.await,
    };
    outcome.map_err(|e| ProxyFailure::boxed(proxy, e.into()))
}

/// A failure on the way through a proxy, naming it (`scheme://host:port`,
/// never its credentials).
#[derive(Debug)]
struct ProxyFailure {
    proxy: Arc<str>,
    source: BoxError,
}

impl ProxyFailure {
    fn boxed(proxy: &Arc<str>, source: BoxError) -> BoxError {
        Box::new(ProxyFailure {
            proxy: proxy.clone(),
            source,
        })
    }
}

impl std::fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "proxy {} failed: {}", self.proxy, self.source)
    }
}

impl StdError for ProxyFailure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// The proxy error for a connect failure that happened at a proxy, if it did.
pub(in crate::agent) fn failure_in(err: &hyper_util::client::legacy::Error) -> Option<String> {
    fn find<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a ProxyFailure> {
        if let Some(found) = err.downcast_ref::<ProxyFailure>() {
            return Some(found);
        }
        if let Some(inner) = err.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            return find(inner);
        }
        err.source().and_then(find)
    }
    find(err).map(ToString::to_string)
}

/// A request sent to a forward proxy: answers from the proxy itself are
/// checked on the way back.
#[derive(Debug)]
pub(in crate::agent) struct Forwarded {
    proxy: Arc<str>,
}

impl Forwarded {
    /// A 407 from a forward proxy is the proxy refusing the request.
    pub(in crate::agent) fn check(
        self,
        answer: crate::Result<http::Response<Body>>,
    ) -> crate::Result<http::Response<Body>> {
        match answer {
            Ok(response) if response.status() == http::StatusCode::PROXY_AUTHENTICATION_REQUIRED => {
                Err(error::proxy(
                    format!(
                        "proxy {} failed: it requires authentication (407 Proxy Authentication Required)",
                        self.proxy
                    ),
                    None,
                ))
            }
            other => other,
        }
    }
}

impl Proxies {
    /// Readies a request for its route: `Proxy-Authorization` goes to a
    /// forward proxy only (set from the proxy's credentials) and is removed
    /// from every request that goes to an origin, directly or through a
    /// tunnel. `Some` when the request goes to a forward proxy.
    pub(in crate::agent) fn prepare(&self, request: &mut http::Request<Body>) -> Option<Forwarded> {
        // Only an `http://` target can go to a forward proxy.
        let forward = if self.is_empty() || request.uri().scheme_str() != Some("http") {
            None
        } else {
            // The connector's route for the request (`forwards`), whether
            // the proxy is reached over TCP or TLS.
            self.intercept(request.uri())
                .filter(|(intercept, _)| forwards(intercept.uri(), request.uri()))
        };
        strip_proxy_authorization(request);
        let headers = request.headers_mut();
        let (intercept, proxy) = forward?;
        if let Some(auth) = intercept.basic_auth() {
            let mut auth = auth.clone();
            auth.set_sensitive(true);
            headers.insert(PROXY_AUTHORIZATION, auth);
        }
        Some(Forwarded { proxy })
    }
}

/// Removes a `Proxy-Authorization` the request brought: credentials for a
/// proxy come from the proxy's settings, and never go to an origin.
pub(in crate::agent) fn strip_proxy_authorization(request: &mut http::Request<Body>) {
    request.headers_mut().remove(PROXY_AUTHORIZATION);
}

/// A connection by the way it went: straight to the origin (the socket
/// itself, so a direct connection's reads and writes pass no proxy layer),
/// to a forward proxy (marked, so hyper-util writes requests in absolute
/// form), or through a tunnel or SOCKS; TLS to an `https://` proxy sits in
/// the proxied ones.
#[derive(Debug)]
pub(in crate::agent) enum Route<T> {
    Direct(T),
    Forward(MaybeHttpsStream<T>),
    Through(MaybeHttpsStream<T>),
}

impl<T: Connection + Read + Write + Unpin> Connection for Route<T> {
    fn connected(&self) -> Connected {
        match self {
            Route::Direct(io) => io.connected(),
            Route::Forward(io) => io.connected().proxy(true),
            Route::Through(io) => io.connected(),
        }
    }
}

/// Calls `$call` on whichever connection `$self` holds.
macro_rules! each_route {
    ($self:expr, $io:ident => $call:expr) => {
        match $self.get_mut() {
            Route::Direct($io) => $call,
            Route::Forward($io) | Route::Through($io) => $call,
        }
    };
}

impl<T: Read + Write + Unpin> Read for Route<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        each_route!(self, io => Pin::new(io).poll_read(cx, buf))
    }
}

impl<T: Read + Write + Unpin> Write for Route<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each_route!(self, io => Pin::new(io).poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each_route!(self, io => Pin::new(io).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each_route!(self, io => Pin::new(io).poll_shutdown(cx))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Route::Direct(io) => io.is_write_vectored(),
            Route::Forward(io) | Route::Through(io) => io.is_write_vectored(),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        each_route!(self, io => Pin::new(io).poll_write_vectored(cx, bufs))
    }
}
