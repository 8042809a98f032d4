//! Name resolution for [`HyperAgent`](super::HyperAgent): fixed addresses per
//! host (`resolve`), a user's resolver (`dns_resolver`), or the system's
//! `getaddrinfo` on a blocking thread (hyper-util's `GaiResolver`).
//!
//! The resolver only turns a name into addresses; hyper-util's
//! `HttpConnector` still connects to them (happy eyeballs between IPv6 and
//! IPv4, the connect timeout, the port from the URL). Hosts written as IP
//! addresses are never resolved.
//!
//! A lookup runs under the agent's connect timeout too, as curl's and
//! reqwest's do: a resolver that never answers (a dead DNS server, a user
//! resolver that hangs) fails the connection as timed out instead of
//! holding the request forever.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::client::legacy::connect::dns::{GaiResolver, Name as HyperName};
use tower_service::Service;

use crate::error::BoxError;

/// A host name to resolve, as the URL gives it (lowercase, without brackets
/// or port).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Name(HyperName);

impl Name {
    /// The host name.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The addresses a [`Resolve`] found, tried in order (IPv6 and IPv4 raced as
/// hyper-util's happy eyeballs does). A port of 0 is replaced by the URL's.
pub type Addrs = Box<dyn Iterator<Item = SocketAddr> + Send>;

/// The future a [`Resolve`] returns.
pub type Resolving = Pin<Box<dyn Future<Output = Result<Addrs, BoxError>> + Send>>;

/// Turns host names into addresses for a [`HyperAgent`](super::HyperAgent),
/// set with [`HyperAgentBuilder::dns_resolver`](super::HyperAgentBuilder::dns_resolver).
///
/// An error fails the request as a connect error
/// ([`is_connect`](crate::Error::is_connect)), with the resolver's error as
/// its source.
///
/// ```
/// use std::net::SocketAddr;
/// use treq::agent::{Addrs, Name, Resolve, Resolving};
///
/// /// Sends every host to one address.
/// struct Everything(SocketAddr);
///
/// impl Resolve for Everything {
///     fn resolve(&self, _name: Name) -> Resolving {
///         let addr = self.0;
///         Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) })
///     }
/// }
///
/// let agent = treq::HyperAgent::builder()
///     .dns_resolver(Everything(SocketAddr::from(([127, 0, 0, 1], 0))))
///     .build()?;
/// # Ok::<(), treq::Error>(())
/// ```
pub trait Resolve: Send + Sync + 'static {
    /// Resolves `name`.
    fn resolve(&self, name: Name) -> Resolving;
}

impl<R: Resolve + ?Sized> Resolve for Arc<R> {
    fn resolve(&self, name: Name) -> Resolving {
        (**self).resolve(name)
    }
}

/// What a builder was told about name resolution.
#[derive(Clone, Default)]
pub(super) struct DnsSettings {
    /// Keyed by lowercase host name.
    pub(super) overrides: HashMap<String, Vec<SocketAddr>>,
    pub(super) custom: Option<Arc<dyn Resolve>>,
}

impl DnsSettings {
    /// The resolver, its lookups bounded by `timeout` (`None`: no limit).
    pub(super) fn resolver(&self, timeout: Option<Duration>) -> Resolver {
        Resolver::new(self.overrides.clone(), self.custom.clone()).within(timeout)
    }
}

impl fmt::Debug for DnsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DnsSettings")
            .field("overrides", &self.overrides)
            .field("custom", &self.custom.is_some())
            .finish()
    }
}

/// The resolver under an agent's `HttpConnector`: the overrides first, then
/// the user's resolver or `getaddrinfo`.
#[derive(Clone)]
pub(super) struct Resolver {
    overrides: Arc<HashMap<String, Vec<SocketAddr>>>,
    custom: Option<Arc<dyn Resolve>>,
    system: GaiResolver,
    /// The longest a lookup may take (the agent's connect timeout).
    timeout: Option<Duration>,
}

impl Resolver {
    /// `overrides` are keyed by lowercase host name.
    pub(super) fn new(
        overrides: HashMap<String, Vec<SocketAddr>>,
        custom: Option<Arc<dyn Resolve>>,
    ) -> Self {
        Resolver {
            overrides: Arc::new(overrides),
            custom,
            system: GaiResolver::new(),
            timeout: None,
        }
    }

    /// Bounds every lookup by `timeout` (`None`: no limit).
    pub(super) fn within(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    fn fixed(&self, name: &str) -> Option<Vec<SocketAddr>> {
        if self.overrides.is_empty() {
            return None;
        }
        match self.overrides.get(name) {
            Some(addrs) => Some(addrs.clone()),
            None => self.overrides.get(&override_key(name)).cloned(),
        }
    }
}

/// How a host name is kept among the overrides and looked up there:
/// lowercase and without a final dot, so `API.example.com.` finds the
/// addresses given for `api.example.com` (the same name to DNS).
pub(super) fn override_key(host: &str) -> String {
    let host = host.strip_suffix('.').unwrap_or(host);
    host.to_ascii_lowercase()
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("overrides", &self.overrides)
            .field("custom", &self.custom.is_some())
            .finish()
    }
}

impl Service<HyperName> for Resolver {
    type Response = Addrs;
    type Error = BoxError;
    type Future = Resolving;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // `GaiResolver` is always ready, and a `Resolve` has no readiness.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: HyperName) -> Resolving {
        if let Some(addrs) = self.fixed(name.as_str()) {
            return Box::pin(async move { Ok(Box::new(addrs.into_iter()) as Addrs) });
        }
        // The limit, with the name for its error (the lookup takes the name).
        let bound = self.timeout.map(|limit| (limit, name.as_str().to_owned()));
        let lookup: Resolving = match &self.custom {
            Some(custom) => custom.resolve(Name(name)),
            None => {
                let lookup = self.system.call(name);
                Box::pin(async move {
                    let addrs = lookup.await?;
                    Ok(Box::new(addrs) as Addrs)
                })
            }
        };
        let Some((limit, name)) = bound else {
            return lookup;
        };
        Box::pin(async move {
            match tokio::time::timeout(limit, lookup).await {
                Ok(resolved) => resolved,
                Err(_elapsed) => Err(lookup_timed_out(&name, limit)),
            }
        })
    }
}

/// The error of a lookup that took longer than the connect timeout: an I/O
/// `TimedOut`, so `Error::is_timeout` holds, naming the host.
fn lookup_timed_out(name: &str, limit: Duration) -> BoxError {
    Box::new(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("resolving {name} took longer than the connect timeout of {limit:?}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(host: &str) -> HyperName {
        host.parse().unwrap()
    }

    struct Fails;

    impl Resolve for Fails {
        fn resolve(&self, name: Name) -> Resolving {
            let msg = format!("no such host {name}");
            Box::pin(async move { Err(msg.into()) })
        }
    }

    #[tokio::test]
    async fn overrides_come_before_the_custom_resolver() {
        let addr = SocketAddr::from(([127, 0, 0, 2], 0));
        let mut overrides = HashMap::new();
        overrides.insert("api.example.test".to_string(), vec![addr]);
        let mut resolver = Resolver::new(overrides, Some(Arc::new(Fails)));
        let found: Vec<_> = resolver
            .call(name("API.example.test"))
            .await
            .unwrap()
            .collect();
        assert_eq!(found, [addr]);
        // The fully qualified spelling is the same name.
        let found: Vec<_> = resolver
            .call(name("api.example.test."))
            .await
            .unwrap()
            .collect();
        assert_eq!(found, [addr]);
        let err = resolver.call(name("other.test")).await.err().unwrap();
        assert_eq!(err.to_string(), "no such host other.test");
    }

    #[test]
    fn override_keys_are_lowercase_without_the_final_dot() {
        assert_eq!(override_key("API.Example.test."), "api.example.test");
        assert_eq!(override_key("api.example.test"), "api.example.test");
    }

    #[tokio::test]
    async fn without_a_custom_resolver_the_system_resolves() {
        let mut resolver = Resolver::new(HashMap::new(), None);
        let found: Vec<_> = resolver.call(name("127.0.0.1")).await.unwrap().collect();
        assert_eq!(found, [SocketAddr::from(([127, 0, 0, 1], 0))]);
    }
}
