//! `IntoUrl` and the URL rules: parsing (IDNA, percent-encoding), appending
//! params, and turning a `Url` into the request-target the agent sees.

use url::{Position, Url};

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
}

fn parse(s: &str) -> crate::Result<Url> {
    if s.trim().is_empty() {
        return Err(error::builder("invalid URL: the URL is empty"));
    }
    Url::parse(s.trim()).map_err(|e| error::builder_with(format!("invalid URL {s:?}: {e}"), e))
}

impl sealed::Sealed for &str {}
impl IntoUrl for &str {
    fn into_url(self) -> crate::Result<Url> {
        parse(self)
    }
}

impl sealed::Sealed for String {}
impl IntoUrl for String {
    fn into_url(self) -> crate::Result<Url> {
        parse(&self)
    }
}

impl sealed::Sealed for &String {}
impl IntoUrl for &String {
    fn into_url(self) -> crate::Result<Url> {
        parse(self)
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

/// Appends already-encoded `k=v` pairs after the URL's own query (treq rule 12:
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

/// The parsed URL of a request as it goes on the wire (no userinfo, no
/// fragment), carried in the request extensions so the wrapper agents need not
/// parse the URI again (URL parsing was the largest per-request cost).
#[derive(Debug, Clone)]
pub(crate) struct RequestUrl(pub(crate) Url);

impl RequestUrl {
    /// The wire form of `url`: what `to_uri` sends, as a `Url`.
    pub(crate) fn wire(url: &Url) -> RequestUrl {
        let mut wire = url.clone();
        if wire.fragment().is_some() {
            wire.set_fragment(None);
        }
        if !wire.username().is_empty() || wire.password().is_some() {
            let _ = wire.set_username("");
            let _ = wire.set_password(None);
        }
        RequestUrl(wire)
    }
}

/// The request's URL: from the extension when a treq layer put it there, else
/// parsed from the URI (`None` for a relative URI).
pub(crate) fn url_of<B>(request: &http::Request<B>) -> Option<Url> {
    match request.extensions().get::<RequestUrl>() {
        Some(RequestUrl(url)) => Some(url.clone()),
        None => Url::parse(&request.uri().to_string()).ok(),
    }
}

/// The absolute URI an agent receives: no userinfo and no fragment.
pub(crate) fn to_uri(url: &Url) -> crate::Result<http::Uri> {
    if !url.has_host() {
        return Err(error::builder(format!(
            "invalid URL {:?}: it has no host",
            url.as_str()
        )));
    }
    let target = format!(
        "{}://{}",
        url.scheme(),
        &url[Position::BeforeHost..Position::AfterQuery]
    );
    http::Uri::try_from(target.as_str())
        .map_err(|e| error::builder_with(format!("invalid URL {:?}: {e}", url.as_str()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

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
