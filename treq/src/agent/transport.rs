//! The transport settings of [`HyperAgentBuilder`]: name resolution
//! (`resolve`, `dns_resolver`), the client certificate (`identity_pem`,
//! `identity_der`), the socket (`local_address`, `tcp_keepalive`,
//! `unix_socket`), and the connector they make.

use std::net::{IpAddr, SocketAddr};
#[cfg(unix)]
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::client::legacy::connect::HttpConnector;

use super::dns::{self, DnsSettings, Resolve, Resolver};
use super::identity::Identity;
use super::unix::SocketConnector;
use super::HyperAgentBuilder;
use crate::error;

/// Keeps its code to the systems where hyper-util can bind a socket to a
/// network interface (`SO_BINDTODEVICE`, `IP_BOUND_IF`): the one list of
/// them, for the builder's `interface` and the connector that applies it.
macro_rules! where_interfaces_bind {
    ($($code:tt)*) => {
        #[cfg(any(
            target_os = "android",
            target_os = "fuchsia",
            target_os = "illumos",
            target_os = "ios",
            target_os = "linux",
            target_os = "macos",
            target_os = "solaris",
            target_os = "tvos",
            target_os = "visionos",
            target_os = "watchos",
        ))]
        $($code)*
    };
}

/// What a [`HyperAgentBuilder`] was told about DNS, the client certificate
/// and the socket.
#[derive(Clone, Debug, Default)]
pub(super) struct TransportSettings {
    dns: DnsSettings,
    identity: Option<Result<Identity, String>>,
    local_address: Option<IpAddr>,
    /// The network interface to send from (`SO_BINDTODEVICE` on Linux).
    interface: Option<String>,
    tcp_keepalive: Option<Duration>,
    #[cfg(unix)]
    unix_socket: Option<Arc<Path>>,
}

impl TransportSettings {
    /// Whether every request goes over one Unix socket (no proxy applies).
    pub(super) fn uses_unix_socket(&self) -> bool {
        #[cfg(unix)]
        return self.unix_socket.is_some();
        #[cfg(not(unix))]
        return false;
    }

    /// The client certificate, if one was set; an unusable one, or one set
    /// beside a user's own rustls configuration, is a builder error.
    pub(super) fn take_identity(
        &mut self,
        own_tls_config: bool,
    ) -> crate::Result<Option<Identity>> {
        let identity = self.identity.take().transpose().map_err(error::builder)?;
        if identity.is_some() && own_tls_config {
            return Err(error::builder(
                "identity_pem/identity_der cannot be combined with tls_config: \
                 put the client certificate in the rustls configuration",
            ));
        }
        Ok(identity)
    }

    /// The agent's resolver (the `resolve` overrides, then the
    /// `dns_resolver` or `getaddrinfo`), each lookup within `timeout`: the
    /// one under the TCP connector, and the one a `socks5://` proxy's
    /// destination is resolved with.
    pub(super) fn resolver(&self, timeout: Option<Duration>) -> Resolver {
        self.dns.resolver(timeout)
    }

    /// The connector under the pool: TCP to the addresses `resolver` finds
    /// (set up further by `configure`), or the Unix socket.
    pub(super) fn connector(
        self,
        resolver: Resolver,
        configure: impl FnOnce(&mut HttpConnector<Resolver>),
    ) -> SocketConnector {
        #[cfg(unix)]
        if let Some(path) = self.unix_socket {
            return SocketConnector::Unix(path);
        }
        let mut http = HttpConnector::new_with_resolver(resolver);
        configure(&mut http);
        http.set_local_address(self.local_address);
        where_interfaces_bind! {
            if let Some(interface) = self.interface {
                http.set_interface(interface);
            }
        }
        http.set_keepalive(self.tcp_keepalive);
        SocketConnector::Tcp(http)
    }
}

impl HyperAgentBuilder {
    /// Connects to `addrs` for `host` instead of asking DNS; the URL, the
    /// `Host` header, SNI and the certificate check still use `host`. An
    /// address's port is used when the URL names no port and the address's
    /// port is not 0; otherwise the URL's port (or the scheme's) is.
    /// Calling it again for the same host replaces its addresses. The
    /// overrides come before any [`dns_resolver`](Self::dns_resolver).
    /// Through a `socks5://` proxy the proxy is asked for the first
    /// address; an HTTP or `socks5h://` proxy is given the name.
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// use std::net::SocketAddr;
    /// let agent = treq::HyperAgent::builder()
    ///     .resolve("api.example.com", [SocketAddr::from(([127, 0, 0, 1], 8443))])
    ///     .build()?;
    /// // Connects to 127.0.0.1:8443; TLS checks the name api.example.com.
    /// treq::HttpClient::new(agent).get("https://api.example.com/").await?;
    /// # Ok(()) }
    /// ```
    pub fn resolve(
        mut self,
        host: impl AsRef<str>,
        addrs: impl IntoIterator<Item = SocketAddr>,
    ) -> Self {
        self.transport.dns.overrides.insert(
            // The name as looked up: lowercase, without a final dot.
            dns::override_key(host.as_ref()),
            addrs.into_iter().collect(),
        );
        self
    }

    /// Resolves host names with `resolver` instead of the system's
    /// `getaddrinfo` (which runs on tokio's blocking threads), also for the
    /// destinations of a `socks5://` proxy. Its error fails the request as
    /// [`is_connect`](crate::Error::is_connect). See
    /// [`Resolve`](crate::agent::Resolve) for an example.
    pub fn dns_resolver(mut self, resolver: impl Resolve) -> Self {
        self.transport.dns.custom = Some(Arc::new(resolver));
        self
    }

    /// Presents this client certificate when a server asks for one (mutual
    /// TLS): `cert_chain_pem` holds the leaf certificate first, then any
    /// intermediates; `key_pem` its private key (PKCS#8, PKCS#1 or SEC1).
    /// Unreadable PEM, or a key that does not fit the certificate, makes
    /// `build` fail with an [`is_builder`](crate::Error::is_builder) error,
    /// as does combining it with [`tls_config`](Self::tls_config) (put the
    /// certificate in that configuration instead).
    ///
    /// ```no_run
    /// # fn run() -> treq::Result<()> {
    /// let cert = std::fs::read("client.crt").unwrap();
    /// let key = std::fs::read("client.key").unwrap();
    /// let agent = treq::HyperAgent::builder().identity_pem(cert, key).build()?;
    /// # Ok(()) }
    /// ```
    pub fn identity_pem(
        mut self,
        cert_chain_pem: impl AsRef<[u8]>,
        key_pem: impl AsRef<[u8]>,
    ) -> Self {
        self.transport.identity = Some(Identity::from_pem(
            cert_chain_pem.as_ref(),
            key_pem.as_ref(),
        ));
        self
    }

    /// [`identity_pem`](Self::identity_pem) with one DER certificate and its
    /// DER private key (PKCS#8, PKCS#1 or SEC1).
    ///
    /// ```no_run
    /// # fn run() -> treq::Result<()> {
    /// let cert = std::fs::read("client.der").unwrap();
    /// let key = std::fs::read("client.key.der").unwrap();
    /// let agent = treq::HyperAgent::builder().identity_der(cert, key).build()?;
    /// # Ok(()) }
    /// ```
    pub fn identity_der(
        mut self,
        cert_der: impl Into<Vec<u8>>,
        key_der: impl Into<Vec<u8>>,
    ) -> Self {
        self.transport.identity = Some(Identity::from_der(cert_der.into(), key_der.into()));
        self
    }

    /// Connects from this local address (`None`: the system chooses, the
    /// default). Only hosts of the same family as the address can be
    /// reached.
    ///
    /// ```no_run
    /// # fn run() -> treq::Result<()> {
    /// use std::net::{IpAddr, Ipv4Addr};
    /// let agent = treq::HyperAgent::builder()
    ///     .local_address(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20)))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn local_address(mut self, addr: impl Into<Option<IpAddr>>) -> Self {
        self.transport.local_address = addr.into();
        self
    }

    where_interfaces_bind! {
        /// Connects through the network interface named `interface` (`"eth0"`,
        /// `"lo"`; `SO_BINDTODEVICE` on Linux, `IP_BOUND_IF` on Apple systems).
        /// A name the system does not know fails each request as
        /// [`is_connect`](crate::Error::is_connect). Offered where hyper-util
        /// supports it (Linux, Android, Fuchsia, illumos, Solaris and Apple
        /// systems).
        ///
        /// ```no_run
        /// # fn run() -> treq::Result<()> {
        /// let agent = treq::HyperAgent::builder().interface("eth0").build()?;
        /// # Ok(()) }
        /// ```
        pub fn interface(mut self, interface: impl Into<String>) -> Self {
            self.transport.interface = Some(interface.into());
            self
        }
    }

    /// Sends TCP keepalive probes after the connection has been idle this
    /// long (`SO_KEEPALIVE`; `None`: off, the default).
    ///
    /// ```no_run
    /// # fn run() -> treq::Result<()> {
    /// use std::time::Duration;
    /// let agent = treq::HyperAgent::builder()
    ///     .tcp_keepalive(Duration::from_secs(60))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn tcp_keepalive(mut self, idle: impl Into<Option<Duration>>) -> Self {
        self.transport.tcp_keepalive = idle.into();
        self
    }

    /// Sends every request over the Unix domain socket at `path` instead of
    /// TCP, whatever the URL's host (which still fills the `Host` header):
    /// the Docker API's shape. `http://` URLs speak HTTP/1.1, or HTTP/2 with
    /// [`http2_prior_knowledge`](Self::http2_prior_knowledge). A socket that
    /// cannot be opened fails the request as
    /// [`is_connect`](crate::Error::is_connect).
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// let agent = treq::HyperAgent::builder()
    ///     .unix_socket("/var/run/docker.sock")
    ///     .build()?;
    /// let client = treq::HttpClient::new(agent);
    /// let version = client.get("http://docker/version").await?.text().await?;
    /// # Ok(()) }
    /// ```
    #[cfg(unix)]
    pub fn unix_socket(mut self, path: impl Into<PathBuf>) -> Self {
        self.transport.unix_socket = Some(Arc::from(path.into()));
        self
    }
}
