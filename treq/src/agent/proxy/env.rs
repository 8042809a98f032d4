//! The proxies the environment asks for, with curl's rules.
//!
//! `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy`, each in lower or
//! upper case, the lowercase name winning when both are set. An empty value
//! counts as unset. `HTTP_PROXY` (uppercase only) is ignored when
//! `REQUEST_METHOD` is set: a CGI program receives a request's `Proxy`
//! header as `HTTP_PROXY`, so a client could pick the program's proxy.

use super::{NoProxy, Proxy};

/// The first non-empty value among `names`.
fn first(get: &dyn Fn(&str) -> Option<String>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|name| get(name))
        .find(|value| !value.trim().is_empty())
}

/// The environment's proxies in the order they apply: the scheme-specific
/// ones, then the one for every scheme.
pub(super) fn proxies(get: &dyn Fn(&str) -> Option<String>) -> Vec<Proxy> {
    let cgi = get("REQUEST_METHOD").is_some();
    let http_names: &[&str] = if cgi {
        &["http_proxy"]
    } else {
        &["http_proxy", "HTTP_PROXY"]
    };
    let no_proxy = first(get, &["no_proxy", "NO_PROXY"]).map(|list| NoProxy::from_string(&list));
    let with_list = |proxy: Proxy| match &no_proxy {
        Some(list) => proxy.no_proxy(list.clone()),
        None => proxy,
    };
    let mut found = Vec::new();
    if let Some(url) = first(get, http_names) {
        found.push(with_list(Proxy::http(url)));
    }
    if let Some(url) = first(get, &["https_proxy", "HTTPS_PROXY"]) {
        found.push(with_list(Proxy::https(url)));
    }
    if let Some(url) = first(get, &["all_proxy", "ALL_PROXY"]) {
        found.push(with_list(Proxy::all(url)));
    }
    found
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::ProxySettings;
    use super::*;

    /// The proxy URL each target would use under `vars`.
    fn routes(vars: &[(&str, &str)], targets: &[&str]) -> Vec<Option<String>> {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut settings = ProxySettings::default();
        settings.clear();
        for proxy in proxies(&|name| env.get(name).cloned()) {
            settings.add(proxy);
        }
        let built = settings.build().unwrap();
        targets
            .iter()
            .map(|t| {
                built
                    .intercept(&t.parse().unwrap())
                    .map(|(i, _)| i.uri().to_string())
            })
            .collect()
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn lowercase_wins_over_uppercase() {
        let vars = [
            ("http_proxy", "http://lower:1"),
            ("HTTP_PROXY", "http://upper:1"),
            ("HTTPS_PROXY", "http://upper:2"),
            ("https_proxy", "http://lower:2"),
            ("ALL_PROXY", "http://upper:3"),
            ("all_proxy", "socks5h://lower:3"),
        ];
        assert_eq!(
            routes(&vars, &["http://x/", "https://x/"]),
            [some("http://lower:1/"), some("http://lower:2/")]
        );
        assert_eq!(
            routes(&vars[4..], &["http://x/", "https://x/"]),
            [some("socks5h://lower:3/"), some("socks5h://lower:3/")]
        );
        // Uppercase alone is honoured; an empty lowercase value counts as unset.
        assert_eq!(
            routes(
                &[("HTTPS_PROXY", "http://u:2"), ("https_proxy", "")],
                &["https://x/"]
            ),
            [some("http://u:2/")]
        );
    }

    #[test]
    fn scheme_specific_variables_come_before_all_proxy() {
        let vars = [("ALL_PROXY", "http://all:3"), ("HTTPS_PROXY", "http://s:2")];
        assert_eq!(
            routes(&vars, &["http://x/", "https://x/"]),
            [some("http://all:3/"), some("http://s:2/")]
        );
    }

    #[test]
    fn request_method_disables_uppercase_http_proxy_only() {
        let vars = [
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://injected:1"),
            ("HTTPS_PROXY", "http://s:2"),
        ];
        assert_eq!(
            routes(&vars, &["http://x/", "https://x/"]),
            [None, some("http://s:2/")]
        );
        let lower = [("REQUEST_METHOD", "GET"), ("http_proxy", "http://l:1")];
        assert_eq!(routes(&lower, &["http://x/"]), [some("http://l:1/")]);
        assert_eq!(
            routes(&[("HTTP_PROXY", "http://u:1")], &["http://x/"]),
            [some("http://u:1/")]
        );
    }

    #[test]
    fn no_proxy_applies_to_every_environment_proxy() {
        let vars = [
            ("ALL_PROXY", "http://all:3"),
            ("HTTP_PROXY", "http://h:1"),
            ("NO_PROXY", "upper.test"),
            ("no_proxy", "localhost, .corp.test, 127.0.0.0/8"),
        ];
        assert_eq!(
            routes(
                &vars,
                &[
                    "http://localhost/",
                    "https://a.corp.test/",
                    "http://127.0.0.1:8080/",
                    "http://upper.test/",
                    "https://example.test/",
                ]
            ),
            [None, None, None, some("http://h:1/"), some("http://all:3/")]
        );
    }

    #[test]
    fn an_unusable_environment_value_is_skipped() {
        let vars = [
            ("HTTP_PROXY", "socks7://bad:1"),
            ("ALL_PROXY", "http://all:3"),
        ];
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found = proxies(&|name| env.get(name).cloned());
        assert_eq!(found.len(), 2);
        let usable: Vec<_> = found.iter().filter_map(|p| p.rule().ok()).collect();
        assert_eq!(usable.len(), 1);
    }
}
