//! `IntoUrl` and the URL rules: parsing (IDNA, percent-encoding), appending
//! params, taking the userinfo out (it becomes Basic auth and is never shown),
//! and turning a `Url` into the request-target the agent sees.

use url::Url;

use super::{Internal, Target};
use crate::error;

mod sealed {
    pub trait Sealed {}
}

/// Anything that names a URL: `&str`, `String`, `&String`, `Url`, `&Url`.
///
/// Sealed: the conversion rules (IDNA hosts, percent-encoded paths) are the
/// crate's, not each caller's.
pub trait IntoUrl: sealed::Sealed {
    #[doc(hidden)]
    fn into_url(self) -> crate::Result<Url>;

    /// The request target: text already in canonical form skips the parser.
    #[doc(hidden)]
    fn into_target(self, _: Internal) -> crate::Result<Target>
    where
        Self: Sized,
    {
        self.into_url().map(Target::parsed)
    }
}

/// Text in canonical form becomes a target without the parser; anything
/// else is parsed.
fn target(s: &str) -> crate::Result<Target> {
    match Target::canonical(s) {
        Some(target) => Ok(target),
        None => parse(s).map(Target::parsed),
    }
}

fn parse(s: &str) -> crate::Result<Url> {
    if s.trim().is_empty() {
        return Err(error::builder("invalid URL: the URL is empty"));
    }
    Url::parse(s.trim()).map_err(|e| {
        let shown = redact_userinfo(s);
        error::builder_with(format!("invalid URL {shown:?}: {e}"), e)
    })
}

impl sealed::Sealed for &str {}
impl IntoUrl for &str {
    fn into_url(self) -> crate::Result<Url> {
        parse(self)
    }

    fn into_target(self, _: Internal) -> crate::Result<Target> {
        target(self)
    }
}

impl sealed::Sealed for String {}
impl IntoUrl for String {
    fn into_url(self) -> crate::Result<Url> {
        parse(&self)
    }

    fn into_target(self, _: Internal) -> crate::Result<Target> {
        target(&self)
    }
}

impl sealed::Sealed for &String {}
impl IntoUrl for &String {
    fn into_url(self) -> crate::Result<Url> {
        parse(self)
    }

    fn into_target(self, _: Internal) -> crate::Result<Target> {
        target(self)
    }
}

impl sealed::Sealed for Url {}
impl IntoUrl for Url {
    fn into_url(self) -> crate::Result<Url> {
        Ok(self)
    }
}

impl sealed::Sealed for &Url {}
impl IntoUrl for &Url {
    fn into_url(self) -> crate::Result<Url> {
        Ok(self.clone())
    }
}

/// Appends already-encoded `k=v` pairs after the URL's own query (as treq:
/// nothing is replaced or de-duplicated).
pub(crate) fn append_query(url: &mut Url, encoded: &str) {
    if encoded.is_empty() {
        return;
    }
    let query = match url.query() {
        Some(q) if !q.is_empty() => format!("{q}&{encoded}"),
        _ => encoded.to_owned(),
    };
    url.set_query(Some(&query));
}

/// A URL string that did not parse, with anything that looks like userinfo
/// (between the scheme's `:` plus any slashes and the last `@` before the
/// path) cut out, so an error message cannot show a password. The WHATWG
/// parser reads an authority after `http:`, `http:/` and `http:\\` alike,
/// so the cut does not depend on the number or kind of slashes.
pub(crate) fn redact_userinfo(s: &str) -> std::borrow::Cow<'_, str> {
    let Some(colon) = s.find(':') else {
        return s.into();
    };
    let after_scheme = &s[colon + 1..];
    let start =
        colon + 1 + (after_scheme.len() - after_scheme.trim_start_matches(['/', '\\']).len());
    let rest = &s[start..];
    let authority_end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &s[..start], &rest[at + 1..]).into(),
        None => s.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extensions::{take_userinfo, to_uri};

    fn uri(s: &str) -> String {
        to_uri(&s.into_url().unwrap()).unwrap().to_string()
    }

    #[test]
    fn idn_and_non_ascii_are_encoded() {
        assert_eq!(uri("http://č.net"), "http://xn--bea.net/");
        assert_eq!(
            uri("http://bücher.de/ü?q=ü"),
            "http://xn--bcher-kva.de/%C3%BC?q=%C3%BC"
        );
        assert_eq!(
            uri("http://example.com/a b?c d=e f"),
            "http://example.com/a%20b?c%20d=e%20f"
        );
        assert_eq!(uri("http://EXAMPLE.com/"), "http://example.com/");
    }

    #[test]
    fn escapes_plus_and_fragments() {
        assert_eq!(
            uri("http://example.com/%FF%FEh%00?x=%7e"),
            "http://example.com/%FF%FEh%00?x=%7e"
        );
        assert_eq!(
            uri("http://example.com/?foo+bar=baz+biff"),
            "http://example.com/?foo+bar=baz+biff"
        );
        assert_eq!(
            uri("http://example.com/?a=1#frag"),
            "http://example.com/?a=1"
        );
        assert_eq!(uri("http://user:pass@example.com/"), "http://example.com/");
    }

    #[test]
    fn userinfo_is_taken_out_percent_decoded() {
        let mut url = "http://al%20ice:p%40ss@example.com/x".into_url().unwrap();
        let taken = take_userinfo(&mut url).unwrap();
        assert_eq!(taken.username, b"al ice");
        assert_eq!(taken.password, b"p@ss");
        assert_eq!(url.as_str(), "http://example.com/x");
        assert!(take_userinfo(&mut url).is_none());
        let mut url = "http://alice@example.com/".into_url().unwrap();
        let taken = take_userinfo(&mut url).unwrap();
        assert_eq!(
            (taken.username, taken.password),
            (b"alice".to_vec(), vec![])
        );
    }

    #[test]
    fn unparsable_urls_are_shown_without_userinfo() {
        assert_eq!(
            redact_userinfo("http://a:b@c@exa mple.com/p@q"),
            "http://exa mple.com/p@q"
        );
        assert_eq!(redact_userinfo("http://h/p@q"), "http://h/p@q");
        // The WHATWG parser finds an authority whatever the slashes.
        assert_eq!(redact_userinfo("http:/a:pw@"), "http:/");
        assert_eq!(redact_userinfo("http:a:pw@h x"), "http:h x");
        assert_eq!(redact_userinfo("http:\\\\a:pw@h x/"), "http:\\\\h x/");
        assert_eq!(redact_userinfo("not a url"), "not a url");
        let err = "http://alice:hunter2@exa mple.com/".into_url().unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!format!("{err:?}").contains("alice"), "{err:?}");
    }

    #[test]
    fn ipv6_literals_work() {
        assert_eq!(uri("http://[::1]:8080/x"), "http://[::1]:8080/x");
    }

    #[test]
    fn bad_urls_are_builder_errors() {
        for bad in ["", "   ", "not a url", "http://", "http://exa mple.com/"] {
            let err = bad.into_url().and_then(|u| to_uri(&u)).unwrap_err();
            assert!(err.is_builder(), "{bad:?}: {err:?}");
        }
        let err = to_uri(&"mailto:a@b".into_url().unwrap()).unwrap_err();
        assert!(err.to_string().contains("no host"), "{err}");
    }

    #[test]
    fn params_are_appended_after_the_query() {
        let cases = [
            (
                "http://example.com/?baz=bax",
                "foo=bar&foo=baz",
                "http://example.com/?baz=bax&foo=bar&foo=baz",
            ),
            (
                "http://example.com/?a=1&a=2",
                "a=3",
                "http://example.com/?a=1&a=2&a=3",
            ),
            (
                "http://example.com/?flag",
                "a=1",
                "http://example.com/?flag&a=1",
            ),
            ("http://example.com/?", "a=1", "http://example.com/?a=1"),
            ("http://example.com", "a=", "http://example.com/?a="),
            (
                "http://example.com/?a=1#frag",
                "b=2",
                "http://example.com/?a=1&b=2#frag",
            ),
        ];
        for (base, params, want) in cases {
            let mut url = base.into_url().unwrap();
            append_query(&mut url, params);
            assert_eq!(url.as_str(), want);
        }
    }
}
