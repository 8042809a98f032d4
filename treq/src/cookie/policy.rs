//! The rules that decide which cookies are stored and which are sent, on top of
//! cookie_store's RFC 6265 domain and path matching:
//!
//! - a `Domain=` attribute is canonicalised first (UTS-46, lower case, no
//!   leading or trailing dot; see `domain.rs`) and that form is both checked
//!   and stored, so no spelling of a suffix gets past the check; a Domain that
//!   is not a usable name is refused;
//! - a `Domain=` naming a public suffix (`com`, `co.uk`, `github.io`) is
//!   refused unless it is the request host itself (RFC 6265 §5.3 step 5),
//!   using the public-suffix list compiled into the `psl` crate (no network);
//! - a cookie whose name and value exceed the jar's size limit, or whose
//!   Domain or Path attribute exceeds 1024 bytes (RFC 6265bis), is refused; only
//!   the parsed parts are kept, never the raw header line;
//! - `Secure` cookies are stored only from https and sent only over https.
//!   cookie_store counts `http://localhost` as secure; we do not, because
//!   treq's promise is "Secure cookies never go over http";
//! - cookies given to a request as pairs are scoped to its origin (treq's
//!   CVE-2022-23607 fix): host-only, `Path=/`, `Secure` iff https.

use std::cmp::Reverse;

use http::HeaderValue;
use url::Url;

use super::domain::{canonical_domain, canonical_url, is_public_suffix};
use super::limits::JarState;

/// The longest Domain or Path attribute kept, as in RFC 6265bis and browsers.
const MAX_ATTRIBUTE_LEN: usize = 1024;

/// Why a cookie was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    Unparsable,
    TooLarge,
    BadDomain,
    PublicSuffix,
    SecureOverHttp,
    /// cookie_store's own checks: foreign domain, expired, ...
    Store,
}

impl Refused {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Refused::Unparsable => "the cookie could not be parsed",
            Refused::TooLarge => {
                "it is too large (name and value over the jar's size limit, or a Domain or Path over 1024 bytes)"
            }
            Refused::BadDomain => "its Domain is not a valid domain name",
            Refused::PublicSuffix => "its Domain is a public suffix",
            Refused::SecureOverHttp => "a Secure cookie can only be set over https",
            Refused::Store => "its Domain does not match the URL, or it has expired",
        }
    }
}

/// Stores one `Set-Cookie` value received from `url`. The caller enforces the
/// jar's limits once its batch is done.
pub(crate) fn store_set_cookie(
    state: &mut JarState,
    value: &str,
    url: &Url,
) -> Result<(), Refused> {
    let url = canonical_url(url);
    let parsed = cookie::Cookie::parse(value).map_err(|_| Refused::Unparsable)?;
    if !state.limits.fits(parsed.name(), parsed.value()) {
        return Err(Refused::TooLarge);
    }
    let too_long = |attr: Option<&str>| attr.is_some_and(|a| a.len() > MAX_ATTRIBUTE_LEN);
    if too_long(parsed.domain()) || too_long(parsed.path()) {
        return Err(Refused::TooLarge);
    }
    if parsed.secure() == Some(true) && url.scheme() != "https" {
        return Err(Refused::SecureOverHttp);
    }
    // A fresh cookie from the parsed parts: `Cookie::parse` keeps the whole
    // header line (unknown attributes and all), which the jar must not hold.
    let mut cookie = cookie::Cookie::new(parsed.name().to_owned(), parsed.value().to_owned());
    if let Some(path) = parsed.path() {
        cookie.set_path(path.to_owned());
    }
    cookie.set_secure(parsed.secure());
    cookie.set_http_only(parsed.http_only());
    cookie.set_same_site(parsed.same_site());
    cookie.set_partitioned(parsed.partitioned());
    cookie.set_max_age(parsed.max_age());
    if let Some(expires) = parsed.expires() {
        cookie.set_expires(expires);
    }
    // An empty Domain attribute is ignored (RFC 6265 §5.2.3): host-only.
    if let Some(attribute) = parsed.domain().filter(|d| !d.trim().is_empty()) {
        let domain = canonical_domain(attribute).ok_or(Refused::BadDomain)?;
        if !is_public_suffix(&domain) {
            cookie.set_domain(domain);
        } else if url.host_str() != Some(domain.as_str()) {
            return Err(Refused::PublicSuffix);
        }
        // else RFC 6265 §5.3 step 5: the host itself is a suffix: host-only.
    }
    let cookie = cookie_store::Cookie::try_from_raw_cookie(&cookie, &url)
        .map_err(|_| Refused::Store)?
        .into_owned();
    state.insert(cookie, &url).map_err(|_| Refused::Store)
}

/// Stores `name=value` scoped to `url`'s origin (treq's CVE-2022-23607 fix).
pub(crate) fn store_scoped(
    state: &mut JarState,
    url: &Url,
    name: &str,
    value: &str,
) -> crate::Result<()> {
    validate(name, value)?;
    if !state.limits.fits(name, value) {
        return Err(crate::error::builder(format!(
            "cookie {name:?} is larger than the jar's limit of {} bytes (name and value)",
            state.limits.max_cookie_size
        )));
    }
    let url = canonical_url(url);
    let cookie = cookie::Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .secure(url.scheme() == "https")
        .build();
    cookie_store::Cookie::try_from_raw_cookie(&cookie, &url)
        .and_then(|cookie| state.insert(cookie.into_owned(), &url))
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

/// The cookies of the jar that go to `url`: most specific path first (RFC
/// 6265 §5.4), then in the order they were stored; Secure ones over https only.
pub(crate) fn cookies_for<'s>(
    state: &'s JarState,
    url: &Url,
) -> Vec<&'s cookie_store::Cookie<'static>> {
    let url = canonical_url(url);
    let https = url.scheme() == "https";
    let mut cookies: Vec<_> = state
        .store
        .matches(&url)
        .into_iter()
        .filter(|c| https || c.secure() != Some(true))
        .collect();
    cookies.sort_by_key(|c| Reverse(String::from(&c.path).len()));
    cookies
}

/// The `Cookie` header for a request to `url`; the cookies sent count as used.
pub(crate) fn cookie_header(state: &mut JarState, url: &Url) -> Option<HeaderValue> {
    let cookies: Vec<_> = cookies_for(state, url).into_iter().cloned().collect();
    if cookies.is_empty() {
        return None;
    }
    let mut header = String::new();
    for c in &cookies {
        if !header.is_empty() {
            header.push_str("; ");
        }
        header.push_str(c.name());
        header.push('=');
        header.push_str(c.value());
        state.touch(c);
    }
    let mut value = HeaderValue::from_str(&header).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn header(store: &mut JarState, u: &str) -> Option<String> {
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
    fn every_spelling_of_a_public_suffix_is_refused() {
        let mut store = JarState::default();
        let from = url("http://www.evil.co.uk/");
        for domain in [
            "ｃｏ.ｕｋ",
            "co。uk",
            "co．uk",
            "c\u{ad}o.uk",
            "CO.UK",
            "co.uk.",
            ".co.uk",
        ] {
            assert_eq!(
                store_set_cookie(&mut store, &format!("sid=x; Domain={domain}"), &from),
                Err(Refused::PublicSuffix),
                "{domain:?}"
            );
        }
        assert_eq!(store.stored(), 0);
        // The same spellings of the site itself are stored under its one name.
        for domain in ["ｅｖｉｌ.co.uk", "EVIL.co.uk.", ".evil．co.uk"] {
            store_set_cookie(&mut store, &format!("sid=x; Domain={domain}"), &from).unwrap();
        }
        let stored: Vec<_> = store
            .store
            .iter_any()
            .map(|c| String::from(&c.domain))
            .collect();
        assert_eq!(stored, ["evil.co.uk"]);
    }

    #[test]
    fn a_domain_that_fails_idna_is_refused() {
        let mut store = JarState::default();
        let from = url("http://www.example.com/");
        for domain in [
            "xn--a.example.com",
            "a..example.com",
            "exa mple.com",
            "example.com..",
        ] {
            assert_eq!(
                store_set_cookie(&mut store, &format!("a=1; Domain={domain}"), &from),
                Err(Refused::BadDomain),
                "{domain:?}"
            );
        }
        // An empty Domain is ignored: host-only.
        store_set_cookie(&mut store, "a=1; Domain=", &from).unwrap();
        assert_eq!(header(&mut store, "http://sub.www.example.com/"), None);
        assert_eq!(
            header(&mut store, "http://www.example.com/").as_deref(),
            Some("a=1")
        );
    }

    #[test]
    fn a_trailing_dot_on_the_host_does_not_change_its_cookies() {
        let mut store = JarState::default();
        store_set_cookie(&mut store, "a=1", &url("http://www.example.com./")).unwrap();
        store_set_cookie(
            &mut store,
            "b=2; Domain=example.com",
            &url("http://www.example.com./"),
        )
        .unwrap();
        assert_eq!(
            header(&mut store, "http://www.example.com/").as_deref(),
            Some("a=1; b=2")
        );
        assert_eq!(
            header(&mut store, "http://WWW.EXAMPLE.COM./").as_deref(),
            Some("a=1; b=2")
        );
        // A suffix host with a trailing dot is still the suffix itself.
        store_set_cookie(&mut store, "c=3; Domain=co.uk", &url("http://co.uk./")).unwrap();
        assert_eq!(header(&mut store, "http://x.co.uk/"), None);
    }

    #[test]
    fn oversize_cookies_and_attributes_are_refused() {
        let mut store = JarState::default();
        let from = url("http://a.example/");
        let name = "n".repeat(96);
        let fits = format!("{name}={}", "v".repeat(4000));
        let over = format!("{name}={}", "v".repeat(4001));
        store_set_cookie(&mut store, &fits, &from).unwrap();
        assert_eq!(
            store_set_cookie(&mut store, &over, &from),
            Err(Refused::TooLarge)
        );
        let long_path = format!("p=1; Path=/{}", "x".repeat(1024));
        assert_eq!(
            store_set_cookie(&mut store, &long_path, &from),
            Err(Refused::TooLarge)
        );
        assert!(store_scoped(&mut store, &from, "big", &"v".repeat(4094))
            .unwrap_err()
            .is_builder());
        assert_eq!(store.stored(), 1);
    }

    #[test]
    fn the_raw_header_line_is_not_kept() {
        let mut store = JarState::default();
        let junk = "x".repeat(100_000);
        store_set_cookie(
            &mut store,
            &format!("a=1; Junk={junk}; Path=/"),
            &url("http://a.example/"),
        )
        .unwrap();
        let kept = store.store.iter_any().next().unwrap();
        assert_eq!(kept.name_raw(), None, "the cookie refers to no raw line");
        let shown = (**kept).to_string();
        assert!(shown.len() < 100, "{shown}");
    }

    #[test]
    fn domain_attribute_for_a_public_suffix_is_refused() {
        let mut store = JarState::default();
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
            header(&mut store, "http://other.example.co.uk/").as_deref(),
            Some("b=2")
        );
        assert_eq!(header(&mut store, "http://evil.co.uk/"), None);
    }

    #[test]
    fn a_suffix_that_is_the_host_itself_becomes_host_only() {
        let mut store = JarState::default();
        store_set_cookie(
            &mut store,
            "a=1; Domain=github.io",
            &url("https://github.io/"),
        )
        .unwrap();
        assert_eq!(
            header(&mut store, "https://github.io/").as_deref(),
            Some("a=1")
        );
        assert_eq!(header(&mut store, "https://user.github.io/"), None);
    }

    #[test]
    fn foreign_domain_is_refused() {
        let mut store = JarState::default();
        let r = store_set_cookie(
            &mut store,
            "a=1; Domain=evil.example",
            &url("http://h.example/"),
        );
        assert_eq!(r, Err(Refused::Store));
        assert_eq!(store.stored(), 0);
    }

    #[test]
    fn secure_cookies_only_from_and_to_https() {
        let mut store = JarState::default();
        // Not even from localhost, which cookie_store would call secure.
        assert_eq!(
            store_set_cookie(&mut store, "s=1; Secure", &url("http://localhost/")),
            Err(Refused::SecureOverHttp)
        );
        store_set_cookie(&mut store, "s=1; Secure", &url("https://localhost/")).unwrap();
        store_set_cookie(&mut store, "p=2", &url("https://localhost/")).unwrap();
        assert_eq!(
            header(&mut store, "https://localhost/").as_deref(),
            Some("s=1; p=2")
        );
        assert_eq!(
            header(&mut store, "http://localhost/").as_deref(),
            Some("p=2")
        );
    }

    #[test]
    fn scoped_cookies_are_host_only_with_root_path() {
        let mut store = JarState::default();
        store_scoped(
            &mut store,
            &url("http://a.example:8080/deep/path"),
            "k",
            "v",
        )
        .unwrap();
        assert_eq!(
            header(&mut store, "http://a.example:9999/other").as_deref(),
            Some("k=v")
        );
        assert_eq!(
            header(&mut store, "https://a.example/").as_deref(),
            Some("k=v")
        );
        assert_eq!(header(&mut store, "http://sub.a.example/"), None);
        assert_eq!(header(&mut store, "http://b.example/"), None);

        store_scoped(&mut store, &url("https://s.example/"), "sec", "1").unwrap();
        assert_eq!(header(&mut store, "http://s.example/"), None);
        assert_eq!(
            header(&mut store, "https://s.example/").as_deref(),
            Some("sec=1")
        );
    }

    #[test]
    fn bad_names_and_values_are_builder_errors() {
        let mut store = JarState::default();
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
        let mut store = JarState::default();
        let u = url("http://a.example/x/y");
        store_set_cookie(&mut store, "root=1; Path=/", &u).unwrap();
        store_set_cookie(&mut store, "deep=2; Path=/x", &u).unwrap();
        assert_eq!(
            header(&mut store, "http://a.example/x/z").as_deref(),
            Some("deep=2; root=1")
        );
    }
}
