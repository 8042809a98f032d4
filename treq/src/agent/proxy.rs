//! Proxies for [`HyperAgent`](super::HyperAgent): HTTP forward proxies,
//! CONNECT tunnels, SOCKS5, and the `*_PROXY` environment variables.
//!
//! hyper-util does the protocol work: its `Matcher` chooses a proxy for a
//! URL and applies a `NO_PROXY` list (hosts, domain suffixes with or without
//! a leading dot, IPs, CIDR ranges, `*`), `Tunnel` speaks CONNECT and
//! `SocksV5` the SOCKS5 handshake. Written here, because hyper-util does not
//! do it:
//!
//! - several proxies per agent, each with its own `NoProxy`, the first that
//!   matches winning (a `Matcher` holds one proxy per scheme);
//! - the environment with curl's precedence: lowercase wins over uppercase,
//!   and `HTTP_PROXY` is ignored when `REQUEST_METHOD` is set (a CGI program
//!   gets `HTTP_PROXY` from the request's `Proxy` header). hyper-util's
//!   `Matcher::from_env` prefers uppercase and, for CGI, drops every proxy;
//!   it also reads the process environment only, so the rules could not be
//!   tested without mutating it (`env.rs`);
//! - proxy URLs checked when the agent is built (hyper-util skips an unusable
//!   one silently, so a typo would send traffic direct);
//! - the forward-proxy half for `http://` targets: the connection is marked
//!   proxied so hyper-util writes the absolute form, and `Proxy-Authorization`
//!   is added for the proxy and removed from every request that goes
//!   anywhere else (`connector.rs`);
//! - TLS to an `https://` proxy: `Tunnel` takes any connector, and the one
//!   given is a second hyper-rustls connector (HTTP/1.1 only, the agent's
//!   roots) under the one for the origin, so a tunnel runs TLS inside TLS;
//! - a deadline on the CONNECT and SOCKS handshakes (the connect timeout),
//!   which hyper-util leaves unbounded, and typed errors naming the proxy;
//! - the SOCKS5 destination: `SocksV5` takes port 443 for a URI without a
//!   port whatever the scheme, and resolves `socks5://` names with a
//!   blocking lookup of its own, so it is given the port written out and,
//!   for `socks5://`, the address the agent's resolver found (`connector.rs`).
//!
//! Pooled connections cannot be shared between routes: hyper-util's pool is
//! keyed by scheme and authority, and the route of a request is a function of
//! exactly those (the proxy list of an agent is fixed when it is built).

use std::fmt;
use std::sync::Arc;

use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error;

mod connector;
mod env;

pub(super) use self::connector::{failure_in, strip_proxy_authorization, ProxyConnector};

/// A proxy for a [`HyperAgent`](super::HyperAgent), added with
/// [`HyperAgentBuilder::proxy`](super::HyperAgentBuilder::proxy).
///
/// The URL's scheme says how to talk to the proxy: `http://` (a forward
/// proxy for `http://` targets, a CONNECT tunnel for `https://` ones),
/// `https://` (the same over TLS to the proxy, its certificate checked
/// against the agent's roots),
/// `socks5://` (names resolved locally, by the agent's resolver: its
/// [`resolve`](super::HyperAgentBuilder::resolve) overrides and
/// [`dns_resolver`](super::HyperAgentBuilder::dns_resolver) apply) or
/// `socks5h://` (the proxy resolves them). Without a scheme, `http://` is
/// assumed. Credentials come from the URL's `user:pass@` or
/// [`basic_auth`](Proxy::basic_auth); they are never shown by `Debug` or in
/// errors. A bad URL makes the agent's `build` fail.
///
/// ```no_run
/// # fn run() -> treq::Result<()> {
/// use treq::agent::NoProxy;
/// let agent = treq::HyperAgent::builder()
///     .proxy(
///         treq::Proxy::all("http://proxy.internal:3128")
///             .basic_auth("me", "secret")
///             .no_proxy(NoProxy::from_string("localhost, .internal, 10.0.0.0/8")),
///     )
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Proxy {
    targets: Targets,
    url: String,
    auth: Option<(String, String)>,
    no_proxy: Option<NoProxy>,
}

/// Which target URLs a proxy is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Targets {
    Http,
    Https,
    All,
}

impl Proxy {
    /// A proxy for `http://` URLs.
    pub fn http(url: impl Into<String>) -> Proxy {
        Proxy::new(Targets::Http, url.into())
    }

    /// A proxy for `https://` URLs.
    pub fn https(url: impl Into<String>) -> Proxy {
        Proxy::new(Targets::Https, url.into())
    }

    /// A proxy for every URL.
    pub fn all(url: impl Into<String>) -> Proxy {
        Proxy::new(Targets::All, url.into())
    }

    fn new(targets: Targets, url: String) -> Proxy {
        Proxy {
            targets,
            url,
            auth: None,
            no_proxy: None,
        }
    }

    /// Credentials for the proxy (replacing any in the URL): a
    /// `Proxy-Authorization: Basic` header for an HTTP proxy, the
    /// username/password method for SOCKS5.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Proxy {
        self.auth = Some((user.into(), password.into()));
        self
    }

    /// Hosts this proxy is not used for.
    pub fn no_proxy(mut self, list: NoProxy) -> Proxy {
        self.no_proxy = Some(list);
        self
    }

    /// Checks the URL and makes the rule the agent applies.
    fn rule(&self) -> crate::Result<Rule> {
        let checked = ProxyUrl::parse(&self.url)?;
        let userinfo = match &self.auth {
            Some((user, password)) => Some(format!(
                "{}:{}",
                utf8_percent_encode(user, USERINFO),
                utf8_percent_encode(password, USERINFO)
            )),
            None => checked.userinfo.clone(),
        };
        let full = match userinfo {
            Some(userinfo) => format!("{}://{userinfo}@{}", checked.scheme, checked.host_port),
            None => checked.shown(),
        };
        let no = self.no_proxy.as_ref().map_or("", |list| list.0.as_str());
        let builder = Matcher::builder().no(no);
        let builder = match self.targets {
            Targets::Http => builder.http(full),
            Targets::Https => builder.https(full),
            Targets::All => builder.all(full),
        };
        Ok(Rule {
            matcher: builder.build(),
            shown: checked.shown().into(),
        })
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = ProxyUrl::parse(&self.url).map_or_else(|_| "<invalid>".into(), |u| u.shown());
        f.debug_struct("Proxy")
            .field("targets", &self.targets)
            .field("url", &shown)
            .field("auth", &self.auth.as_ref().map(|_| "Sensitive"))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// The characters percent-encoded in a proxy URL's user and password.
const USERINFO: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A proxy URL checked for what the agent can use.
#[derive(Debug)]
struct ProxyUrl {
    scheme: &'static str,
    userinfo: Option<String>,
    /// `host:port`, the port always written.
    host_port: String,
}

impl ProxyUrl {
    fn parse(text: &str) -> crate::Result<ProxyUrl> {
        let text = text.trim();
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("http://{text}")
        };
        // The message shows the URL without userinfo.
        let bad = |why: &str| {
            let shown = match with_scheme.split_once("://") {
                Some((scheme, rest)) => {
                    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                    format!("{scheme}://{rest}")
                }
                None => with_scheme.clone(),
            };
            error::builder(format!("invalid proxy URL {shown:?}: {why}"))
        };
        let url = url::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
        let (scheme, default_port) = match url.scheme() {
            "http" => ("http", 80),
            "socks5" => ("socks5", 1080),
            "socks5h" => ("socks5h", 1080),
            "https" => ("https", 443),
            _ => return Err(bad("the scheme must be http, https, socks5 or socks5h")),
        };
        let host = match url.host_str() {
            Some(host) if !host.is_empty() => host,
            _ => return Err(bad("no host")),
        };
        let port = url.port().unwrap_or(default_port);
        if port == 0 {
            return Err(bad("port 0"));
        }
        let userinfo = match (url.username(), url.password()) {
            ("", None) => None,
            (user, None) => Some(format!("{user}:")),
            (user, Some(password)) => Some(format!("{user}:{password}")),
        };
        Ok(ProxyUrl {
            scheme,
            userinfo,
            host_port: format!("{host}:{port}"),
        })
    }

    /// The URL as errors and `Debug` show it: no userinfo.
    fn shown(&self) -> String {
        format!("{}://{}", self.scheme, self.host_port)
    }
}

/// Hosts a proxy is not used for, in `NO_PROXY` syntax: a comma-separated
/// list of host names (each also matching its subdomains; a leading dot
/// means the same), IP addresses, CIDR ranges (`10.0.0.0/8`), or `*` for
/// every host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoProxy(String);

impl NoProxy {
    /// Parses a `NO_PROXY` list.
    pub fn from_string(list: &str) -> NoProxy {
        NoProxy(list.to_owned())
    }
}

/// The proxy settings of a `HyperAgentBuilder`.
#[derive(Clone, Debug)]
pub(super) struct ProxySettings {
    from_env: bool,
    explicit: Vec<Proxy>,
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings {
            from_env: true,
            explicit: Vec::new(),
        }
    }
}

impl ProxySettings {
    /// Adds a proxy; explicit proxies replace the environment's.
    pub(super) fn add(&mut self, proxy: Proxy) {
        self.from_env = false;
        self.explicit.push(proxy);
    }

    /// No proxy at all, neither the environment's nor any added before.
    pub(super) fn clear(&mut self) {
        self.from_env = false;
        self.explicit.clear();
    }

    /// The rules the agent applies, in order. Fails on a bad explicit URL;
    /// an unusable environment value is skipped (a client that cannot be
    /// built would break every module-level call).
    pub(super) fn build(&self) -> crate::Result<Proxies> {
        let rules = if self.from_env {
            env::proxies(&|name| std::env::var(name).ok())
                .iter()
                .filter_map(|proxy| proxy.rule().ok())
                .collect()
        } else {
            self.explicit
                .iter()
                .map(Proxy::rule)
                .collect::<crate::Result<Vec<_>>>()?
        };
        Ok(Proxies(rules.into()))
    }
}

/// One proxy with the targets it is for.
struct Rule {
    matcher: Matcher,
    /// `scheme://host:port`, for errors.
    shown: Arc<str>,
}

/// The proxies of an agent, first match wins. Empty: every request direct.
#[derive(Clone)]
pub(super) struct Proxies(Arc<[Rule]>);

impl Proxies {
    /// No proxy at all (every request connects directly).
    pub(super) fn none() -> Self {
        Proxies(Arc::from(Vec::new()))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The proxy for `dst`, with its name for errors; `None` means direct.
    fn intercept(&self, dst: &http::Uri) -> Option<(Intercept, Arc<str>)> {
        self.0.iter().find_map(|rule| {
            let intercept = rule.matcher.intercept(dst)?;
            Some((intercept, rule.shown.clone()))
        })
    }
}

impl fmt::Debug for Proxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|rule| &*rule.shown))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(proxies: &[Proxy], url: &str) -> Option<String> {
        let mut settings = ProxySettings::default();
        for proxy in proxies {
            settings.add(proxy.clone());
        }
        let built = settings.build().unwrap();
        built
            .intercept(&url.parse().unwrap())
            .map(|(intercept, _)| intercept.uri().to_string())
    }

    #[test]
    fn each_proxy_serves_its_schemes_and_the_first_match_wins() {
        let proxies = [
            Proxy::http("http://h:1"),
            Proxy::https("http://s:2"),
            Proxy::all("socks5h://a:3"),
        ];
        assert_eq!(route(&proxies, "http://x/").unwrap(), "http://h:1/");
        assert_eq!(route(&proxies, "https://x/").unwrap(), "http://s:2/");
        assert_eq!(route(&proxies[2..], "http://x/").unwrap(), "socks5h://a:3/");
        assert_eq!(route(&[], "http://x/"), None);
    }

    #[test]
    fn no_proxy_lists_bypass_hosts_domains_ips_ranges_and_everything() {
        let list =
            NoProxy::from_string("exact.test, .dot.test, plain.test, 10.1.2.3, 192.168.0.0/16");
        let proxies = [Proxy::all("http://p:8").no_proxy(list)];
        for direct in [
            "http://exact.test/",
            "http://a.dot.test/",
            "http://dot.test/",
            "http://sub.plain.test/",
            "http://10.1.2.3/",
            "https://192.168.7.9/",
        ] {
            assert_eq!(route(&proxies, direct), None, "{direct}");
        }
        for proxied in [
            "http://other.test/",
            "http://notplain.test/",
            "http://10.1.2.4/",
        ] {
            assert!(route(&proxies, proxied).is_some(), "{proxied}");
        }
        let star = [Proxy::all("http://p:8").no_proxy(NoProxy::from_string("*"))];
        assert_eq!(route(&star, "http://anything.test/"), None);
        // A bypassed host falls through to the next proxy.
        let two = [
            Proxy::all("http://first:1").no_proxy(NoProxy::from_string("skip.test")),
            Proxy::all("http://second:2"),
        ];
        assert_eq!(
            route(&two, "http://skip.test/").unwrap(),
            "http://second:2/"
        );
    }

    #[test]
    fn credentials_become_the_proxy_authorization_and_are_never_shown() {
        let mut settings = ProxySettings::default();
        settings.add(Proxy::all("http://u:p%40ss@p:8"));
        settings.add(Proxy::all("socks5://p:9").basic_auth("me", "s3cr:t"));
        let proxies = settings.build().unwrap();
        let (intercept, shown) = proxies.intercept(&"http://x/".parse().unwrap()).unwrap();
        // base64("u:p@ss")
        assert_eq!(intercept.basic_auth().unwrap(), "Basic dTpwQHNz");
        assert_eq!(&*shown, "http://p:8");
        let debug = format!(
            "{:?} {proxies:?}",
            Proxy::all("http://u:hunter2@p:8").basic_auth("me", "s3cr:t")
        );
        assert!(
            !debug.contains("hunter2") && !debug.contains("s3cr"),
            "{debug}"
        );
        assert!(debug.contains("p:8"), "{debug}");
    }

    #[test]
    fn basic_auth_reaches_socks_as_username_and_password() {
        let mut settings = ProxySettings::default();
        settings.add(Proxy::all("socks5://p:9").basic_auth("me", "s3cr:t"));
        let proxies = settings.build().unwrap();
        let (intercept, _) = proxies.intercept(&"http://x/".parse().unwrap()).unwrap();
        assert_eq!(intercept.raw_auth(), Some(("me", "s3cr:t")));
    }

    #[test]
    fn bad_proxy_urls_are_builder_errors_without_the_password() {
        for bad in [
            "socks7://u:hunter2@p:1",
            "http://",
            "http://u:hunter2@:8080",
            "http://p:0",
            "socks5://u:hunter2@p:0",
            "http://p:99999",
        ] {
            let mut settings = ProxySettings::default();
            settings.add(Proxy::all(bad));
            let err = settings
                .build()
                .err()
                .unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(err.is_builder(), "{bad}: {err:?}");
            assert!(!format!("{err} {err:?}").contains("hunter2"), "{err:?}");
        }
        let mut settings = ProxySettings::default();
        settings.add(Proxy::all("127.0.0.1:3128"));
        let built = settings.build().unwrap();
        let (intercept, _) = built.intercept(&"http://x/".parse().unwrap()).unwrap();
        assert_eq!(intercept.uri(), "http://127.0.0.1:3128/");
    }

    #[test]
    fn no_proxy_clears_the_environment_and_earlier_proxies() {
        let mut settings = ProxySettings::default();
        settings.add(Proxy::all("http://p:8"));
        settings.clear();
        assert!(settings.build().unwrap().is_empty());
        assert!(!settings.from_env);
    }
}
