//! The pure rules of redirect following: which statuses and methods are
//! followed and how (GET and HEAD by default; browser-like rules on request),
//! where `Location` points (resolved against the request URL), and what is
//! stripped when the origin changes.

use http::header::{
    HeaderMap, HeaderName, AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE,
    HOST, LOCATION, PROXY_AUTHORIZATION, TRANSFER_ENCODING, WWW_AUTHENTICATE,
};
use http::{Method, StatusCode};
use url::Url;

/// What to do with a redirect response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Same method; 307/308 also replay the body.
    Keep { replay_body: bool },
    /// Change the method to GET and drop the body (303, and browser-like rules).
    ToGet,
    /// The policy does not follow this method for this status.
    Refuse,
}

/// The statuses treated as redirects; other 3xx (300, 304, 305...) are returned.
pub(crate) fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// treq's rules. Default (Twisted's `RedirectAgent`): 301/302/307/308 only for
/// GET and HEAD, 303 turns any method into GET. Browser-like: 301/302/303/308
/// turn other methods into GET; 307 still only for GET and HEAD. A HEAD stays
/// a HEAD (what curl and browsers do; Twisted would send GET after a 303).
pub(crate) fn decide(status: StatusCode, method: &Method, browser_like: bool) -> Action {
    let safe = *method == Method::GET || *method == Method::HEAD;
    let code = status.as_u16();
    let replay_body = code == 307 || code == 308;
    match code {
        _ if safe => Action::Keep { replay_body },
        303 => Action::ToGet,
        301 | 302 | 308 if browser_like => Action::ToGet,
        _ => Action::Refuse,
    }
}

/// The first `Location`, resolved against `current` (relative, absolute and
/// scheme-relative forms). `None` when missing, empty or unparsable.
pub(crate) fn location(headers: &HeaderMap, current: &Url) -> Option<Url> {
    let raw = headers.get(LOCATION)?;
    // Servers sometimes send raw UTF-8; `Url` percent-encodes it.
    let raw = std::str::from_utf8(raw.as_bytes()).ok()?.trim();
    if raw.is_empty() {
        return None;
    }
    current.join(raw).ok()
}

/// True when the response names more than one target: several `Location`
/// headers that differ (after trimming). Which one a client follows would
/// then be a guess, and a split or injected header can add one, so such a
/// redirect is refused, as browsers do.
pub(crate) fn has_conflicting_locations(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(LOCATION).iter();
    let Some(first) = values.next() else {
        return false;
    };
    let first = first.as_bytes().trim_ascii();
    values.any(|other| other.as_bytes().trim_ascii() != first)
}

/// Scheme, host and port (with the scheme's default) differ.
pub(crate) fn origin_differs(a: &Url, b: &Url) -> bool {
    a.scheme() != b.scheme()
        || a.host_str() != b.host_str()
        || a.port_or_known_default() != b.port_or_known_default()
}

/// What Twisted strips on a cross-origin hop (CVE-2022-21712), plus `Host`,
/// which must follow the new URL.
pub(crate) fn strip_cross_origin(headers: &mut HeaderMap, extra: &[HeaderName]) {
    for name in [
        AUTHORIZATION,
        PROXY_AUTHORIZATION,
        COOKIE,
        WWW_AUTHENTICATE,
        HOST,
    ]
    .iter()
    .chain(extra)
    {
        headers.remove(name);
    }
    headers.remove("cookie2");
}

/// Removes the headers that describe a body the next hop will not carry.
pub(crate) fn strip_body_headers(headers: &mut HeaderMap) {
    for name in [
        CONTENT_TYPE,
        CONTENT_LENGTH,
        TRANSFER_ENCODING,
        CONTENT_ENCODING,
    ] {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(code: u16) -> StatusCode {
        StatusCode::from_u16(code).unwrap()
    }

    #[test]
    fn default_rules_follow_safe_methods_and_303() {
        for code in [301, 302, 307, 308] {
            let keep = Action::Keep {
                replay_body: code >= 307,
            };
            assert_eq!(decide(s(code), &Method::GET, false), keep);
            assert_eq!(decide(s(code), &Method::HEAD, false), keep);
            assert_eq!(decide(s(code), &Method::POST, false), Action::Refuse);
            assert_eq!(decide(s(code), &Method::DELETE, false), Action::Refuse);
        }
        assert_eq!(decide(s(303), &Method::POST, false), Action::ToGet);
        assert_eq!(decide(s(303), &Method::PUT, false), Action::ToGet);
        assert_eq!(
            decide(s(303), &Method::HEAD, false),
            Action::Keep { replay_body: false }
        );
    }

    #[test]
    fn browser_like_rules_turn_post_into_get_except_307() {
        for code in [301, 302, 303, 308] {
            assert_eq!(
                decide(s(code), &Method::POST, true),
                Action::ToGet,
                "{code}"
            );
        }
        assert_eq!(decide(s(307), &Method::POST, true), Action::Refuse);
        assert_eq!(
            decide(s(307), &Method::GET, true),
            Action::Keep { replay_body: true }
        );
    }

    #[test]
    fn only_real_redirect_statuses_are_followed() {
        for code in [300, 304, 305, 306, 200, 404] {
            assert!(!is_redirect(s(code)), "{code}");
        }
    }

    #[test]
    fn location_forms() {
        let cur = Url::parse("https://a.example:8443/dir/page?q=1").unwrap();
        let at = |loc: &str| {
            let mut h = HeaderMap::new();
            h.insert(LOCATION, loc.parse().unwrap());
            location(&h, &cur).map(|u| u.to_string())
        };
        assert_eq!(
            at("other").as_deref(),
            Some("https://a.example:8443/dir/other")
        );
        assert_eq!(at("/root").as_deref(), Some("https://a.example:8443/root"));
        assert_eq!(at("//b.example/x").as_deref(), Some("https://b.example/x"));
        assert_eq!(
            at("http://c.example/y").as_deref(),
            Some("http://c.example/y")
        );
        assert_eq!(
            at("?p=2").as_deref(),
            Some("https://a.example:8443/dir/page?p=2")
        );
        assert_eq!(at("  "), None);
        assert_eq!(at("http://[bad"), None);
        assert_eq!(location(&HeaderMap::new(), &cur), None);
    }

    #[test]
    fn origin_is_scheme_host_and_port() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(!origin_differs(
            &u("http://a.example/x"),
            &u("http://a.example:80/y")
        ));
        assert!(origin_differs(
            &u("http://a.example/"),
            &u("https://a.example/")
        ));
        assert!(origin_differs(
            &u("http://a.example/"),
            &u("http://a.example:8080/")
        ));
        assert!(origin_differs(
            &u("http://a.example/"),
            &u("http://b.example/")
        ));
        assert!(origin_differs(
            &u("http://127.0.0.1/"),
            &u("http://localhost/")
        ));
    }

    #[test]
    fn stripping_is_case_insensitive_and_keeps_custom_headers() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("Authorization", "Basic x"),
            ("proxy-authorization", "x"),
            ("COOKIE", "a=b"),
            ("Cookie2", "x"),
            ("www-authenticate", "x"),
            ("x-api-key", "secret"),
            ("x-custom", "kept"),
            ("accept", "*/*"),
        ] {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        strip_cross_origin(&mut h, &[HeaderName::from_static("x-api-key")]);
        let mut left: Vec<_> = h.keys().map(|k| k.as_str()).collect();
        left.sort();
        assert_eq!(left, ["accept", "x-custom"]);
    }
}
