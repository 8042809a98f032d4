//! The URL a request goes to, cheap for the common case.
//!
//! Parsing with the `url` crate (the WHATWG algorithm: IDNA, percent-encoding,
//! dot segments, default ports) is the largest fixed cost of a request. Most
//! URLs a program sends are already in the form that algorithm produces:
//! `http://api.example/v1/items?page=2`. For those ([`Target::canonical`] says
//! which, conservatively) the text goes straight to an `http::Uri` and the
//! `Url` is made only when something asks for it (params, cookies, a
//! redirect, an error, `Response::url()`). Anything else is parsed as before.
//! Either way the wire form and the `Url` are the same: a test holds the fast
//! path to the parser on every URL shape it accepts.
//!
//! A program sends most of its requests to a few origins, so each thread
//! keeps the scheme and authority of the last canonical URL it turned into a
//! URI: a URL with the same `scheme://host:port` text reuses them (a
//! reference count) and only its path and query are checked and copied.

use std::cell::RefCell;
use std::sync::OnceLock;

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::Uri;
use url::Url;

use crate::extensions::to_uri;

/// A request URL: parsed, or canonical text with its URI and a `Url` made on
/// first use. Unnameable outside the crate.
#[derive(Debug, Clone)]
pub struct Target {
    /// Boxed: a target is moved from the builder to the response, and is
    /// only parsed off the fast path.
    url: OnceLock<Box<Url>>,
    /// Set for canonical text: the wire form, already parsed by `http`.
    uri: Option<Uri>,
}

impl Target {
    /// A URL already parsed.
    pub(crate) fn parsed(url: Url) -> Target {
        Target {
            url: OnceLock::from(Box::new(url)),
            uri: None,
        }
    }

    /// `text` as a target without the WHATWG parser when it is an `http` or
    /// `https` URL that the parser keeps exactly as written, so its text is
    /// already its wire form. Conservative: `None` only means "let the
    /// parser decide".
    ///
    /// Admitted: a lowercase scheme `http://` or `https://`; a host of lowercase
    /// ASCII letters, digits and hyphens in non-empty dot-separated labels (no
    /// `xn--` label, whose Punycode the parser checks), or a dotted-quad IPv4
    /// address without leading zeros; an optional port without leading zeros
    /// that is not the scheme's default; then a path starting with `/` and an
    /// optional query, of characters the parser never escapes or rewrites, with
    /// well-formed `%XX` escapes and no `.` or `..` segment. Refused: userinfo,
    /// IPv6 literals, fragments, whitespace, and anything non-ASCII.
    pub(crate) fn canonical(text: &str) -> Option<Target> {
        let (origin_len, default_port) = split_origin(text)?;
        let (origin, path_and_query) = text.split_at(origin_len);
        if !canonical_path_and_query(path_and_query.as_bytes()) {
            return None;
        }
        let (scheme, authority) = LAST_ORIGIN.with(|last| {
            let mut last = last.borrow_mut();
            if let Some(known) = last.as_ref().filter(|known| *known.text == *origin) {
                return Some((known.scheme.clone(), known.authority.clone()));
            }
            let found = Origin::parse(origin, default_port)?;
            let parts = (found.scheme.clone(), found.authority.clone());
            *last = Some(found);
            Some(parts)
        })?;
        let path_and_query = if path_and_query == "/" {
            PathAndQuery::from_static("/")
        } else {
            PathAndQuery::from_maybe_shared(Bytes::copy_from_slice(path_and_query.as_bytes()))
                .ok()?
        };
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(scheme);
        parts.authority = Some(authority);
        parts.path_and_query = Some(path_and_query);
        Some(Target {
            url: OnceLock::new(),
            uri: Some(Uri::from_parts(parts).ok()?),
        })
    }

    /// The `Url` (parsed now if it was not yet).
    pub(crate) fn url(&self) -> &Url {
        self.url.get_or_init(|| {
            let text = self.uri.as_ref().map(Uri::to_string).unwrap_or_default();
            // `canonical` admits only text the parser accepts unchanged (the
            // tests check every shape it admits), so this cannot fail.
            Box::new(Url::parse(&text).expect("a canonical URL parses"))
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
        self.url.get().map(|url| &**url)
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

thread_local! {
    /// The origin of the last canonical URL made into a URI on this thread.
    static LAST_ORIGIN: RefCell<Option<Origin>> = const { RefCell::new(None) };
}

/// A canonical `scheme://host[:port]`, its text and its parsed parts.
struct Origin {
    text: Box<str>,
    scheme: Scheme,
    authority: Authority,
}

impl Origin {
    /// `origin` (as split by [`split_origin`]) if its host and port are canonical.
    fn parse(origin: &str, default_port: &[u8]) -> Option<Origin> {
        let (scheme, authority) = origin.split_once("://")?;
        if !canonical_authority(authority.as_bytes(), default_port) {
            return None;
        }
        let scheme = if scheme == "https" {
            Scheme::HTTPS
        } else {
            Scheme::HTTP
        };
        let authority = Authority::from_maybe_shared(Bytes::from(authority.to_owned())).ok()?;
        // A first clone turns the bytes into shared ones, so the clones made
        // for later requests only count references.
        drop(authority.clone());
        Some(Origin {
            text: origin.into(),
            scheme,
            authority,
        })
    }
}

/// The length of `s`'s `http://` or `https://` and authority (up to the
/// path's first `/`), and the scheme's default port; `None` for any other
/// scheme or a URL without a path.
fn split_origin(s: &str) -> Option<(usize, &'static [u8])> {
    let (scheme_len, default_port) = if s.starts_with("http://") {
        (7, &b"80"[..])
    } else if s.starts_with("https://") {
        (8, &b"443"[..])
    } else {
        return None;
    };
    // The parser adds a `/` to an empty path: the text must have its own.
    let slash = s.as_bytes()[scheme_len..].iter().position(|&b| b == b'/')?;
    Some((scheme_len + slash, default_port))
}

/// A host (see [`Target::canonical`]) and an optional port that is not `default_port`.
fn canonical_authority(authority: &[u8], default_port: &[u8]) -> bool {
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
    canonical_host(host)
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

/// The bytes other than `%`, `'` and `?` that the parser copies unchanged
/// into a path or a query.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            );
        b += 1;
    }
    table
};

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
            _ => PLAIN[usize::from(b)],
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
    fn an_origin_seen_before_is_reused_only_for_the_same_text() {
        // The same origin, then its neighbours: each must come out as the
        // parser says, not as the origin remembered before it.
        for s in [
            "http://a.example:8080/x",
            "http://a.example:8080/y?z=1",
            "http://a.example:8081/x",
            "http://a.example/x",
            "https://a.example/x",
            "https://a.example:8443/x",
            "http://a.example:8080/x",
        ] {
            agrees(s);
        }
        // A remembered origin does not make a bad path or port acceptable.
        agrees("http://b.example/");
        assert!(Target::canonical("http://b.example/a b").is_none());
        assert!(Target::canonical("http://b.example/./a").is_none());
        assert!(Target::canonical("http://b.example:80/").is_none());
        assert!(Target::canonical("http://B.example/").is_none());
        agrees("http://b.example/again");
    }

    #[test]
    fn changing_the_url_drops_the_fast_form() {
        let mut target = Target::canonical("http://a.example/x").unwrap();
        target.url_mut().set_query(Some("y=1"));
        assert_eq!(target.to_uri().unwrap(), "http://a.example/x?y=1");
    }
}
