//! The rules that decide which cookies are stored and which are sent, on top of
//! cookie_store's RFC 6265 domain and path matching:
//!
//! - a `Domain=` attribute naming a public suffix (`com`, `co.uk`, `github.io`)
//!   is refused unless it is the request host itself (RFC 6265 §5.3 step 5),
//!   using the public-suffix list compiled into the `psl` crate (no network);
//! - `Secure` cookies are stored only from https and sent only over https.
//!   cookie_store counts `http://localhost` as secure; we do not, because
//!   treq's promise is "Secure cookies never go over http";
//! - cookies given to a request as pairs are scoped to its origin (treq rule
//!   52 / CVE-2022-23607): host-only, `Path=/`, `Secure` iff https.

use std::cmp::Reverse;

use cookie_store::CookieStore;
use http::HeaderValue;
use url::Url;

/// Why a cookie was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    Unparsable,
    PublicSuffix,
    SecureOverHttp,
    /// cookie_store's own checks: foreign domain, expired, ...
    Store,
}

impl Refused {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Refused::Unparsable => "the cookie could not be parsed",
            Refused::PublicSuffix => "its Domain is a public suffix",
            Refused::SecureOverHttp => "a Secure cookie can only be set over https",
            Refused::Store => "its Domain does not match the URL, or it has expired",
        }
    }
}

/// True when `domain` is on the public-suffix list (only explicitly listed
/// suffixes count, as in cookie_store: an unknown TLD like `localhost` does not).
pub(crate) fn is_public_suffix(domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    psl::suffix(domain.as_bytes())
        .is_some_and(|s| s.is_known() && s.as_bytes() == domain.as_bytes())
}

/// Stores one `Set-Cookie` value received from `url`.
pub(crate) fn store_set_cookie(
    store: &mut CookieStore,
    value: &str,
    url: &Url,
) -> Result<(), Refused> {
    let mut cookie = cookie::Cookie::parse(value)
        .map_err(|_| Refused::Unparsable)?
        .into_owned();
    if cookie.secure() == Some(true) && url.scheme() != "https" {
        return Err(Refused::SecureOverHttp);
    }
    if let Some(domain) = cookie.domain() {
        if is_public_suffix(domain) {
            let host = url.host_str().unwrap_or("");
            if host.eq_ignore_ascii_case(domain.trim_end_matches('.')) {
                // RFC 6265 §5.3 step 5: the host itself is a suffix: host-only.
                cookie.unset_domain();
            } else {
                return Err(Refused::PublicSuffix);
            }
        }
    }
    store
        .insert_raw(&cookie, url)
        .map(drop)
        .map_err(|_| Refused::Store)
}

/// Stores `name=value` scoped to `url`'s origin (treq rule 52).
pub(crate) fn store_scoped(
    store: &mut CookieStore,
    url: &Url,
    name: &str,
    value: &str,
) -> crate::Result<()> {
    validate(name, value)?;
    let cookie = cookie::Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .secure(url.scheme() == "https")
        .build();
    store
        .insert_raw(&cookie, url)
        .map(drop)
        .map_err(|e| crate::error::builder(format!("cannot store cookie {name:?} for {url}: {e}")))
}

/// Rejects names and values that cannot go into a `Cookie` header intact.
fn validate(name: &str, value: &str) -> crate::Result<()> {
    let bad_name = name.is_empty()
        || name
            .bytes()
            .any(|b| b <= b' ' || b >= 0x7f || b"()<>@,;:\\\"/[]?={}".contains(&b));
    if bad_name {
        return Err(crate::error::builder(format!(
            "invalid cookie name {name:?}"
        )));
    }
    if value.bytes().any(|b| b < b' ' || b == 0x7f || b == b';') {
        return Err(crate::error::builder(format!(
            "invalid value for cookie {name:?}: control characters and ';' are not allowed"
        )));
    }
    Ok(())
}

/// The `Cookie` header for a request to `url`: matching cookies, most specific
/// path first (RFC 6265 §5.4), then in the order they were stored.
pub(crate) fn cookie_header(store: &CookieStore, url: &Url) -> Option<HeaderValue> {
    let https = url.scheme() == "https";
    let mut cookies: Vec<_> = store
        .matches(url)
        .into_iter()
        .filter(|c| https || c.secure() != Some(true))
        .collect();
    if cookies.is_empty() {
        return None;
    }
    cookies.sort_by_key(|c| Reverse(String::from(&c.path).len()));
    let mut header = String::new();
    for c in cookies {
        if !header.is_empty() {
            header.push_str("; ");
        }
        header.push_str(c.name());
        header.push('=');
        header.push_str(c.value());
    }
    HeaderValue::from_str(&header).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn header(store: &CookieStore, u: &str) -> Option<String> {
        cookie_header(store, &url(u)).map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn public_suffixes_are_known() {
        assert!(is_public_suffix("com"));
        assert!(is_public_suffix("co.uk"));
        assert!(is_public_suffix("github.io"));
        assert!(!is_public_suffix("example.com"));
        assert!(!is_public_suffix("localhost"));
    }

    #[test]
    fn domain_attribute_for_a_public_suffix_is_refused() {
        let mut store = CookieStore::default();
        let from = url("http://www.example.co.uk/");
        assert_eq!(
            store_set_cookie(&mut store, "a=1; Domain=co.uk", &from),
            Err(Refused::PublicSuffix)
        );
        assert_eq!(
            store_set_cookie(&mut store, "a=1; Domain=.CO.UK", &from),
            Err(Refused::PublicSuffix)
        );
        assert!(store_set_cookie(&mut store, "b=2; Domain=example.co.uk", &from).is_ok());
        assert_eq!(
            header(&store, "http://other.example.co.uk/").as_deref(),
            Some("b=2")
        );
        assert_eq!(header(&store, "http://evil.co.uk/"), None);
    }

    #[test]
    fn a_suffix_that_is_the_host_itself_becomes_host_only() {
        let mut store = CookieStore::default();
        store_set_cookie(
            &mut store,
            "a=1; Domain=github.io",
            &url("https://github.io/"),
        )
        .unwrap();
        assert_eq!(header(&store, "https://github.io/").as_deref(), Some("a=1"));
        assert_eq!(header(&store, "https://user.github.io/"), None);
    }

    #[test]
    fn foreign_domain_is_refused() {
        let mut store = CookieStore::default();
        let r = store_set_cookie(
            &mut store,
            "a=1; Domain=evil.example",
            &url("http://h.example/"),
        );
        assert_eq!(r, Err(Refused::Store));
        assert_eq!(store.iter_any().count(), 0);
    }

    #[test]
    fn secure_cookies_only_from_and_to_https() {
        let mut store = CookieStore::default();
        // Not even from localhost, which cookie_store would call secure.
        assert_eq!(
            store_set_cookie(&mut store, "s=1; Secure", &url("http://localhost/")),
            Err(Refused::SecureOverHttp)
        );
        store_set_cookie(&mut store, "s=1; Secure", &url("https://localhost/")).unwrap();
        store_set_cookie(&mut store, "p=2", &url("https://localhost/")).unwrap();
        assert_eq!(
            header(&store, "https://localhost/").as_deref(),
            Some("s=1; p=2")
        );
        assert_eq!(header(&store, "http://localhost/").as_deref(), Some("p=2"));
    }

    #[test]
    fn scoped_cookies_are_host_only_with_root_path() {
        let mut store = CookieStore::default();
        store_scoped(
            &mut store,
            &url("http://a.example:8080/deep/path"),
            "k",
            "v",
        )
        .unwrap();
        assert_eq!(
            header(&store, "http://a.example:9999/other").as_deref(),
            Some("k=v")
        );
        assert_eq!(header(&store, "https://a.example/").as_deref(), Some("k=v"));
        assert_eq!(header(&store, "http://sub.a.example/"), None);
        assert_eq!(header(&store, "http://b.example/"), None);

        store_scoped(&mut store, &url("https://s.example/"), "sec", "1").unwrap();
        assert_eq!(header(&store, "http://s.example/"), None);
        assert_eq!(
            header(&store, "https://s.example/").as_deref(),
            Some("sec=1")
        );
    }

    #[test]
    fn bad_names_and_values_are_builder_errors() {
        let mut store = CookieStore::default();
        let u = url("http://a.example/");
        for (n, v) in [
            ("", "v"),
            ("a b", "v"),
            ("a;", "v"),
            ("a", "x\r\nInjected: 1"),
            ("a", "x;y"),
        ] {
            let err = store_scoped(&mut store, &u, n, v).unwrap_err();
            assert!(err.is_builder(), "{n:?}={v:?}");
        }
        store_scoped(&mut store, &u, "a", "").unwrap();
    }

    #[test]
    fn longer_paths_come_first() {
        let mut store = CookieStore::default();
        let u = url("http://a.example/x/y");
        store_set_cookie(&mut store, "root=1; Path=/", &u).unwrap();
        store_set_cookie(&mut store, "deep=2; Path=/x", &u).unwrap();
        assert_eq!(
            header(&store, "http://a.example/x/z").as_deref(),
            Some("deep=2; root=1")
        );
    }
}
