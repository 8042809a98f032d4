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
//! - a cookie from plain http is refused when a `Secure` cookie of the same
//!   name would be replaced, expired or shadowed by it: one whose domain
//!   domain-matches the new cookie's (either way) and whose path the new
//!   cookie's path path-matches ("leave secure cookies alone", RFC 6265bis,
//!   as curl and browsers do). cookie_store itself only guards `HttpOnly`;
//! - the name prefixes of RFC 6265bis are enforced, matched case-insensitively:
//!   a `__Secure-` cookie must be `Secure` and come from https; a `__Host-`
//!   one must also have no `Domain` attribute and `Path=/`. The same holds
//!   for cookies added through the jar (`add_cookie_str`, `add_scoped`,
//!   request cookies) and for those read by `load_json`;
//! - a name or value with a control character (below 0x20 but tab, or
//!   0x7f) is refused (RFC 6265bis), and `load_json` leaves such cookies
//!   out; should one still be in the jar, it alone is not sent, and the
//!   `Cookie` header carries the others;
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
    /// A control character in the name or value.
    ControlCharacter,
    TooLarge,
    BadDomain,
    PublicSuffix,
    SecureOverHttp,
    /// From plain http, with the name of a Secure cookie that covers it.
    ShadowsSecure,
    /// A `__Secure-` or `__Host-` name without what the prefix requires.
    Prefix,
    /// cookie_store's own checks: foreign domain, expired, ...
    Store,
}

impl Refused {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Refused::Unparsable => "the cookie could not be parsed",
            Refused::ControlCharacter => {
                "its name or value holds a control character, which cannot be sent in a Cookie header"
            }
            Refused::TooLarge => {
                "it is too large (name and value over the jar's size limit, or a Domain or Path over 1024 bytes)"
            }
            Refused::BadDomain => "its Domain is not a valid domain name",
            Refused::PublicSuffix => "its Domain is a public suffix",
            Refused::SecureOverHttp => "a Secure cookie can only be set over https",
            Refused::ShadowsSecure => {
                "a Secure cookie of that name covers its domain and path, and plain http cannot replace or remove it"
            }
            Refused::Prefix => {
                "its name starts with __Secure- or __Host-, which needs Secure from https (and for __Host-, no Domain and Path=/)"
            }
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
    if !sendable(parsed.name(), parsed.value()) {
        return Err(Refused::ControlCharacter);
    }
    if !state.limits.fits(parsed.name(), parsed.value()) {
        return Err(Refused::TooLarge);
    }
    let too_long = |attr: Option<&str>| attr.is_some_and(|a| a.len() > MAX_ATTRIBUTE_LEN);
    if too_long(parsed.domain()) || too_long(parsed.path()) {
        return Err(Refused::TooLarge);
    }
    if parsed.secure() == Some(true) && !is_secure(&url) {
        return Err(Refused::SecureOverHttp);
    }
    let secure = parsed.secure() == Some(true) && is_secure(&url);
    // An empty Domain attribute is ignored (RFC 6265 §5.2.3): host-only.
    let domain_attribute = parsed.domain().filter(|d| !d.trim().is_empty());
    let host_only_at_root = domain_attribute.is_none() && parsed.path() == Some("/");
    if !prefix_allows(parsed.name(), secure, host_only_at_root) {
        return Err(Refused::Prefix);
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
    if let Some(attribute) = domain_attribute {
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
    if !is_secure(&url) && shadows_a_secure_cookie(state, &cookie) {
        return Err(Refused::ShadowsSecure);
    }
    state.insert(cookie, &url).map_err(|_| Refused::Store)
}

/// True when cookies from `url` may be Secure: https only (not
/// `http://localhost`, which cookie_store would count).
fn is_secure(url: &Url) -> bool {
    url.scheme() == "https"
}

/// True when the jar holds a Secure cookie named as `new` whose domain
/// domain-matches `new`'s, or the other way round, and whose path `new`'s
/// path path-matches: a cookie from plain http must not replace, expire or
/// shadow it.
fn shadows_a_secure_cookie(state: &JarState, new: &cookie_store::Cookie<'_>) -> bool {
    let domain = domain_of(new);
    state.store.iter_unexpired().any(|old| {
        old.secure() == Some(true)
            && old.name() == new.name()
            && (domain_matches(domain, domain_of(old)) || domain_matches(domain_of(old), domain))
            && path_matches(&new.path, &old.path)
    })
}

/// The domain a stored cookie belongs to (its host, for a host-only one).
fn domain_of<'c>(cookie: &'c cookie_store::Cookie<'_>) -> &'c str {
    match &cookie.domain {
        cookie_store::CookieDomain::HostOnly(d) | cookie_store::CookieDomain::Suffix(d) => d,
        cookie_store::CookieDomain::NotPresent | cookie_store::CookieDomain::Empty => "",
    }
}

/// The cookie name prefixes (RFC 6265bis), matched case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    /// `__Secure-`: Secure, from https.
    Secure,
    /// `__Host-`: Secure, from https, host-only and `Path=/`.
    Host,
}

fn prefix_of(name: &str) -> Option<Prefix> {
    let starts = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    if starts("__Host-") {
        Some(Prefix::Host)
    } else if starts("__Secure-") {
        Some(Prefix::Secure)
    } else {
        None
    }
}

/// True when a cookie called `name` meets its name prefix, if it has one:
/// `secure` when it is Secure and came from https, `host_only_at_root` when
/// it has no Domain attribute and its Path attribute is `/`.
fn prefix_allows(name: &str, secure: bool, host_only_at_root: bool) -> bool {
    match prefix_of(name) {
        None => true,
        Some(Prefix::Secure) => secure,
        Some(Prefix::Host) => secure && host_only_at_root,
    }
}

/// True when `name=value` can go into a `Cookie` header as one cookie: a
/// name, and no control character (below 0x20 but tab, or 0x7f) in either;
/// no `;` in either nor `=` in the name, which would split it into others.
/// A parsed `Set-Cookie` can only fail the control-character part.
fn sendable(name: &str, value: &str) -> bool {
    let control = |s: &str| s.bytes().any(|b| (b < b' ' && b != b'\t') || b == 0x7f);
    !name.is_empty()
        && !control(name)
        && !control(value)
        && !name.contains([';', '='])
        && !value.contains(';')
}

/// Removes from a jar read from JSON the cookies the jar would have refused:
/// a name prefix whose rules the cookie does not meet, or a name or value
/// that cannot be sent. (A stored Secure cookie came from https.)
pub(crate) fn drop_unstorable(store: &mut cookie_store::CookieStore) {
    let refused: Vec<(String, String, String)> = store
        .iter_any()
        .filter(|c| {
            let host_only = matches!(c.domain, cookie_store::CookieDomain::HostOnly(_));
            let at_root = &*c.path == "/";
            !prefix_allows(c.name(), c.secure() == Some(true), host_only && at_root)
                || !sendable(c.name(), c.value())
        })
        .map(|c| {
            (
                domain_of(c).to_owned(),
                String::from(&c.path),
                c.name().to_owned(),
            )
        })
        .collect();
    for (domain, path, name) in refused {
        store.remove(&domain, &path, &name);
    }
}

/// RFC 6265 §5.1.3 on canonical names: `host` is `domain` or a name under it,
/// and not an IP address.
fn domain_matches(host: &str, domain: &str) -> bool {
    if host == domain {
        return true;
    }
    let is_ip = host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok();
    !is_ip
        && !domain.is_empty()
        && host
            .strip_suffix(domain)
            .is_some_and(|above| above.ends_with('.'))
}

/// RFC 6265 §5.1.4: `path` is `cookie_path` or lies under it.
fn path_matches(path: &str, cookie_path: &str) -> bool {
    path.strip_prefix(cookie_path)
        .is_some_and(|rest| rest.is_empty() || cookie_path.ends_with('/') || rest.starts_with('/'))
}

/// Stores `name=value` scoped to `url`'s origin (treq's CVE-2022-23607 fix).
pub(crate) fn store_scoped(
    state: &mut JarState,
    url: &Url,
    name: &str,
    value: &str,
) -> crate::Result<()> {
    validate(name, value)?;
    // A scoped cookie is host-only with `Path=/`, and Secure iff https.
    if !prefix_allows(name, is_secure(url), true) {
        return Err(crate::error::builder(format!(
            "cookie {name:?} has a __Secure- or __Host- name, which can only be set over https"
        )));
    }
    if !state.limits.fits(name, value) {
        return Err(crate::error::builder(format!(
            "cookie {name:?} is larger than the jar's limit of {} bytes (name and value)",
            state.limits.max_cookie_size
        )));
    }
    let url = canonical_url(url);
    let cookie = cookie::Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .secure(is_secure(&url))
        .build();
    cookie_store::Cookie::try_from_raw_cookie(&cookie, &url)
        .and_then(|cookie| state.insert(cookie.into_owned(), &url))
        .map_err(|e| {
            let shown = crate::error::without_userinfo(&url);
            crate::error::builder(format!("cannot store cookie {name:?} for {shown}: {e}"))
        })
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
/// A cookie that cannot be sent (see `sendable`) is left out, so that it
/// alone is missing from the `Cookie` header rather than the whole header.
pub(crate) fn cookies_for<'s>(
    state: &'s JarState,
    url: &Url,
) -> Vec<&'s cookie_store::Cookie<'static>> {
    let url = canonical_url(url);
    let https = is_secure(&url);
    let mut cookies: Vec<_> = state
        .store
        .matches(&url)
        .into_iter()
        .filter(|c| https || c.secure() != Some(true))
        .filter(|c| sendable(c.name(), c.value()))
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
mod tests;
