//! The URL a request goes to, cheap for the common case.
//!
//! Parsing with the `url` crate (the WHATWG algorithm: IDNA, percent-encoding,
//! dot segments, default ports) is the largest fixed cost of a request. Most
//! URLs a program sends are already in the form that algorithm produces:
//! `http://api.example/v1/items?page=2`. For those ([`is_canonical`] says
//! which, conservatively) the text goes straight to an `http::Uri` and the
//! `Url` is made only when something asks for it (params, cookies, a
//! redirect, an error, `Response::url()`). Anything else is parsed as before.
//! Either way the wire form and the `Url` are the same: a test holds the fast
//! path to the parser on every URL shape it accepts.

use std::sync::OnceLock;

use bytes::Bytes;
use http::Uri;
use url::Url;

use crate::extensions::to_uri;

/// A request URL: parsed, or canonical text with its URI and a `Url` made on
/// first use. Unnameable outside the crate.
#[derive(Debug, Clone)]
pub struct Target {
    url: OnceLock<Url>,
    /// Set for canonical text: the wire form, already parsed by `http`.
    uri: Option<Uri>,
}

impl Target {
    /// A URL already parsed.
    pub(crate) fn parsed(url: Url) -> Target {
        Target {
            url: OnceLock::from(url),
            uri: None,
        }
    }

    /// `text` as a target without the WHATWG parser when it is canonical.
    pub(crate) fn canonical(text: &str) -> Option<Target> {
        if !is_canonical(text) {
            return None;
        }
        let uri = Uri::from_maybe_shared(Bytes::copy_from_slice(text.as_bytes())).ok()?;
        Some(Target {
            url: OnceLock::new(),
            uri: Some(uri),
        })
    }

    /// The `Url` (parsed now if it was not yet).
    pub(crate) fn url(&self) -> &Url {
        self.url.get_or_init(|| {
            let text = self.uri.as_ref().map(Uri::to_string).unwrap_or_default();
            // `canonical` admits only text the parser accepts unchanged (the
            // tests check every shape it admits), so this cannot fail.
            Url::parse(&text).expect("a canonical URL parses")
        })
    }

    /// The `Url`, to change (the fast form is dropped: the URI is remade).
    pub(crate) fn url_mut(&mut self) -> &mut Url {
        self.url();
        self.uri = None;
        self.url.get_mut().expect("parsed just above")
    }

    /// The `Url` if it was made already (nothing is parsed).
    pub(crate) fn url_if_parsed(&self) -> Option<&Url> {
        self.url.get()
    }

    /// The absolute URI the agent receives (no userinfo, no fragment).
    pub(crate) fn to_uri(&self) -> crate::Result<Uri> {
        match &self.uri {
            Some(uri) => Ok(uri.clone()),
            None => to_uri(self.url()),
        }
    }

    /// The URL as text, for `Debug`.
    pub(crate) fn as_str(&self) -> std::borrow::Cow<'_, str> {
        match (self.url.get(), &self.uri) {
            (Some(url), _) => url.as_str().into(),
            (None, Some(uri)) => uri.to_string().into(),
            (None, None) => "".into(),
        }
    }
}

/// Whether `s` is an `http` or `https` URL that the WHATWG parser keeps
/// exactly as written, so its text is already its wire form. Conservative: a
/// `false` only means "let the parser decide".
///
/// Admitted: a lowercase scheme `http://` or `https://`; a host of lowercase
/// ASCII letters, digits and hyphens in non-empty dot-separated labels (no
/// `xn--` label, whose Punycode the parser checks), or a dotted-quad IPv4
/// address without leading zeros; an optional port without leading zeros
/// that is not the scheme's default; then a path starting with `/` and an
/// optional query, of characters the parser never escapes or rewrites, with
/// well-formed `%XX` escapes and no `.` or `..` segment. Refused: userinfo,
/// IPv6 literals, fragments, whitespace, and anything non-ASCII.
pub(crate) fn is_canonical(s: &str) -> bool {
    let (rest, default_port) = if let Some(rest) = s.strip_prefix("http://") {
        (rest.as_bytes(), &b"80"[..])
    } else if let Some(rest) = s.strip_prefix("https://") {
        (rest.as_bytes(), &b"443"[..])
    } else {
        return false;
    };
    // The parser adds a `/` to an empty path: the text must have its own.
    let Some(slash) = rest.iter().position(|&b| b == b'/') else {
        return false;
    };
    let (authority, path_and_query) = rest.split_at(slash);
    let (host, port) = match authority.iter().position(|&b| b == b':') {
        Some(colon) => (&authority[..colon], Some(&authority[colon + 1..])),
        None => (authority, None),
    };
    if let Some(port) = port {
        let digits = !port.is_empty() && port.iter().all(u8::is_ascii_digit);
        let leading_zero = port.len() > 1 && port[0] == b'0';
        if !digits || leading_zero || port.len() > 5 || port == default_port {
            return false;
        }
        let value = port.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
        if value > 65535 {
            return false;
        }
    }
    canonical_host(host) && canonical_path_and_query(path_and_query)
}

fn canonical_host(host: &[u8]) -> bool {
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    let last = host.rsplit(|&b| b == b'.').next().unwrap_or_default();
    // A host whose last label starts with a digit is read as an IPv4
    // address (in decimal, octal or hex): only the plain dotted quad passes.
    if last.first().is_some_and(u8::is_ascii_digit) {
        let mut parts = 0;
        let quad = host.split(|&b| b == b'.').all(|label| {
            parts += 1;
            !label.is_empty()
                && label.len() <= 3
                && label.iter().all(u8::is_ascii_digit)
                && !(label.len() > 1 && label[0] == b'0')
                && label
                    .iter()
                    .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'))
                    <= 255
        });
        return quad && parts == 4;
    }
    host.split(|&b| b == b'.').all(|label| {
        !label.is_empty()
            && !label.starts_with(b"xn--")
            && label[0] != b'-'
            && label[label.len() - 1] != b'-'
            && label
                .iter()
                .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

fn canonical_path_and_query(s: &[u8]) -> bool {
    let (path, query) = match s.iter().position(|&b| b == b'?') {
        Some(mark) => (&s[..mark], Some(&s[mark + 1..])),
        None => (s, None),
    };
    // Characters the parser copies as they are, in a path and in the query
    // of an http(s) URL (it escapes `'` there); `%` only before two hex digits.
    let plain = |part: &[u8], in_query: bool| {
        part.iter().enumerate().all(|(i, &b)| match b {
            b'%' => {
                i + 2 < part.len()
                    && part[i + 1].is_ascii_hexdigit()
                    && part[i + 2].is_ascii_hexdigit()
            }
            b'\'' => !in_query,
            b'?' => in_query,
            _ => b.is_ascii_alphanumeric() || b"-._~!$&()*+,;=:@/".contains(&b),
        })
    };
    // `.`/`..` segments (also spelt `%2e`) are resolved by the parser.
    let dots = path
        .split(|&b| b == b'/')
        .any(|seg| seg == b"." || seg == b"..")
        || path
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'2' && (w[2] | 0x20) == b'e');
    plain(path, false) && !dots && query.is_none_or(|q| plain(q, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path agrees with the parser: same wire form, same `Url`.
    fn agrees(s: &str) {
        let parsed = Url::parse(s).unwrap();
        assert_eq!(
            parsed.as_str(),
            s,
            "{s} is not kept as written by the parser"
        );
        let fast = Target::canonical(s).unwrap_or_else(|| panic!("{s} should be canonical"));
        assert_eq!(fast.to_uri().unwrap(), to_uri(&parsed).unwrap(), "{s}");
        assert_eq!(fast.url(), &parsed, "{s}");
    }

    #[test]
    fn canonical_urls_take_the_fast_path_and_agree_with_the_parser() {
        for s in [
            "http://127.0.0.1:8080/",
            "http://127.0.0.1/get",
            "https://0.0.0.0:1/a",
            "http://255.255.255.255/",
            "http://localhost:3000/api/v1/items?page=2&sort=-date",
            "https://api.example.com/a/b/c?x=1&y=%20z",
            "https://my-host.example/path;p=1/with:colon@at/~user/(x)*+,!$&=",
            "http://a.b/%7Efoo/%2F?q=a/b?c:d@e",
            "http://x1.example/a//b/",
            "http://example.com:65535/",
            "https://example.com:80/",
            "http://example.com:443/",
            "http://a.example/it's",
        ] {
            agrees(s);
        }
    }

    #[test]
    fn other_urls_are_left_to_the_parser() {
        for s in [
            "http://example.com",          // the parser adds the `/`
            "HTTP://example.com/",         // scheme case
            "http://Example.com/",         // host case
            "http://example.com:80/",      // default port dropped
            "https://example.com:443/",    // default port dropped
            "http://example.com:080/",     // leading zero
            "http://example.com:/",        // empty port dropped
            "http://example.com:70000/",   // out of range
            "http://user:pw@example.com/", // userinfo
            "http://[::1]/",               // IPv6
            "http://example.com/#frag",    // fragment
            "http://example.com/a b",      // space
            "http://example.com/a\tb",     // tab (stripped by the parser)
            "http://example.com/ü",        // non-ASCII
            "http://bücher.de/",           // IDNA
            "http://xn--bcher-kva.de/",    // Punycode is checked
            "http://example.com/./a",      // dot segments
            "http://example.com/a/..",
            "http://example.com/%2e/a",
            "http://example.com/a\\b", // backslash is a slash
            "http://example.com/%zz",  // broken escape
            "http://example.com/a%4",
            "http://example.com/?q='", // escaped in the query
            "http://example.com/a\"b",
            "http://example.com/a<b>",
            "http://example.com/{}",
            "http://127.1/",      // IPv4 shorthand
            "http://127.0.0.01/", // leading zero in IPv4
            "http://0x7f.0.0.1/", // hex IPv4
            "http://1.2.3.256/",
            "http://foo.123/", // ends in a number
            "http://a..b/",
            "http://.a/",
            "http://a./",
            "http://-a.example/",
            "ftp://example.com/",
            " http://example.com/",
        ] {
            assert!(Target::canonical(s).is_none(), "{s:?} took the fast path");
        }
    }

    #[test]
    fn every_combination_the_fast_path_admits_agrees_with_the_parser() {
        // Hosts, ports, paths and queries, tricky ones included: whatever
        // the fast path admits must be what the parser would produce.
        let schemes = ["http://", "https://", "HTTP://"];
        let hosts = [
            "a",
            "a.b",
            "a-b.c",
            "-a.b",
            "a.b-",
            "127.0.0.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "0.0.0.0",
            "a.1",
            "1a.b",
            "a.b.",
            "xn--a.b",
            "xn--bcher-kva.de",
            "A.b",
            "ab--c.d",
            "localhost",
            "0x1.2.3.4",
            "256.1.1.1",
        ];
        let ports = [
            "", ":1", ":80", ":443", ":8080", ":0", ":00", ":65535", ":65536", ":",
        ];
        let paths = [
            "",
            "/",
            "/a",
            "/a/",
            "//a",
            "/./a",
            "/a/.",
            "/a/..",
            "/.a",
            "/a.",
            "/..a",
            "/%2e",
            "/%2E%2e",
            "/%41",
            "/%4",
            "/%g1",
            "/a%2fb",
            "/~!$&'()*+,;=:@",
            "/a b",
            "/a\\b",
            "/^",
            "/`",
            "/{",
            "/|",
            "/é",
        ];
        let queries = [
            "", "?", "?a", "?a=b&c=d", "?a='", "?a=%20", "?a=%2", "?a/b?c", "?a#b", "?a^b", "?a|b",
            "?a`b", "?a{b}", "?a\"b",
        ];
        let mut admitted = 0;
        for scheme in schemes {
            for host in hosts {
                for port in ports {
                    for path in paths {
                        for query in queries {
                            let s = format!("{scheme}{host}{port}{path}{query}");
                            if Target::canonical(&s).is_some() {
                                agrees(&s);
                                admitted += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(admitted > 1000, "only {admitted} admitted");
    }

    #[test]
    fn changing_the_url_drops_the_fast_form() {
        let mut target = Target::canonical("http://a.example/x").unwrap();
        target.url_mut().set_query(Some("y=1"));
        assert_eq!(target.to_uri().unwrap(), "http://a.example/x?y=1");
    }
}
