//! The normal form of a URL that [`StubRequest::url`](crate::StubRequest::url)
//! reports and an expected URL is compared in: `scheme://host[:port]/path`,
//! query and fragment removed, host lowercased, default port dropped, `/` for
//! an empty path, dot segments resolved (the `url` crate's serialisation).

/// Normalises `url`; a string that does not parse is kept as it is.
pub(crate) fn normalize_url(url: &str) -> String {
    if let Some(normal) = already_simple(url) {
        return normal;
    }
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.to_owned(),
    }
}

/// Normalises an expected URL, refusing the parts a request never shows in
/// [`StubRequest::url`](crate::StubRequest::url), since a URL matcher holding
/// them would silently ignore them or never match:
///
/// - a query (even an empty `?`): the params field matches it;
/// - userinfo (`user:password@`): the client sends it as an `Authorization`
///   header and removes it from the URL.
///
/// The error says what to write instead. A fragment is dropped (a client
/// never sends one), and a string that does not parse is kept as it is.
pub(crate) fn normalize_expected_url(url: &str) -> Result<String, String> {
    let before_fragment = url.split('#').next().unwrap_or(url);
    if !before_fragment.contains(['?', '@']) {
        return Ok(normalize_url(url));
    }
    let Ok(mut shown) = url::Url::parse(url) else {
        return Ok(url.to_owned());
    };
    // The messages show the URL without its credentials.
    let userinfo = !shown.username().is_empty() || shown.password().is_some();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    if let Some(query) = shown.query() {
        return Err(format!(
            "the expected URL {:?} has a query (`?{query}`), which the URL is never \
             compared with: match the query with `.params(params_exact(...))` \
             (`params {{ ... }}` in `request_sequence!`) and give the URL without it",
            shown.as_str()
        ));
    }
    if userinfo {
        return Err(format!(
            "the expected URL {:?} has userinfo (`user:password@`), so it could never \
             match: the client sends userinfo as an `Authorization` header and removes it \
             from the URL; give the URL without it and match \
             `.headers(has_headers([(\"Authorization\", [...])]))` \
             (`headers {{ \"Authorization\" => ... }}` in `request_sequence!`)",
            shown.as_str()
        ));
    }
    Ok(normalize_url(url))
}

/// Normalises an absolute URI (as the in-memory server rebuilds it) without
/// going through its `Display`.
pub(crate) fn normalize_uri(uri: &http::Uri) -> String {
    if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
        if let Some(normal) = simple_parts(scheme, authority.as_str(), uri.path()) {
            return normal;
        }
    }
    normalize_url(&uri.to_string())
}

/// The normal form of a URL that needs no parser to get it: an `http` or
/// `https` URL with a lowercase ASCII host name (or a canonical dotted IPv4
/// address), an optional numeric port and a path of plain characters with no
/// dot segment. `None` for anything else, which the `url` crate handles.
fn already_simple(url: &str) -> Option<String> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("http://") {
        ("http", rest)
    } else {
        ("https", url.strip_prefix("https://")?)
    };
    let bytes = rest.as_bytes();
    let end = bytes
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(bytes.len());
    let path_end = bytes[end..]
        .iter()
        .position(|&b| matches!(b, b'?' | b'#'))
        .map_or(bytes.len(), |p| end + p);
    simple_parts(scheme, &rest[..end], &rest[end..path_end])
}

/// [`already_simple`] on the parts: the scheme, `host[:port]` and the path
/// (without query or fragment).
fn simple_parts(scheme: &str, authority: &str, path: &str) -> Option<String> {
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if !simple_host(host) || !simple_path(path) {
        return None;
    }
    // The port's digits without leading zeros, unless it is the default.
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            let number = p.parse::<u16>().ok()?;
            let digits = p.trim_start_matches('0');
            (number != default_port).then_some(if digits.is_empty() { "0" } else { digits })
        }
        Some(_) => return None,
    };
    let path = if path.is_empty() { "/" } else { path };
    let mut out = String::with_capacity(scheme.len() + 4 + authority.len() + path.len());
    out.push_str(scheme);
    out.push_str("://");
    out.push_str(host);
    if let Some(port) = port {
        out.push(':');
        out.push_str(port);
    }
    out.push_str(path);
    Some(out)
}

/// A lowercase host name of letters, digits, `-` and inner dots whose last
/// label is not numeric and no label is punycode, or a dotted IPv4 address in
/// canonical form.
fn simple_host(host: &str) -> bool {
    let bytes = host.as_bytes();
    let (mut start, mut last_start, mut punycode) = (0, 0, false);
    for i in 0..=bytes.len() {
        if i == bytes.len() || bytes[i] == b'.' {
            if i == start {
                return false;
            }
            punycode |= bytes[start..i].starts_with(b"xn--");
            last_start = start;
            start = i + 1;
        } else if !(bytes[i].is_ascii_lowercase() || bytes[i].is_ascii_digit() || bytes[i] == b'-')
        {
            return false;
        }
    }
    if bytes.is_empty() {
        return false;
    }
    if !bytes[last_start].is_ascii_digit() {
        return !punycode;
    }
    host.split('.').count() == 4
        && host.split('.').all(|l| {
            l.bytes().all(|b| b.is_ascii_digit())
                && (l == "0" || !l.starts_with('0'))
                && l.parse::<u8>().is_ok()
        })
}

/// Empty or an absolute path of characters kept as they are, with every
/// `%` starting an escape and no segment that could be a dot segment.
fn simple_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    if bytes.is_empty() {
        return true;
    }
    if bytes[0] != b'/' {
        return false;
    }
    bytes.iter().enumerate().all(|(i, &b)| match b {
        // A segment starting with `.` or `%2e` may be a dot segment.
        b'/' => {
            !matches!(bytes.get(i + 1), Some(b'.'))
                && !bytes
                    .get(i + 1..i + 4)
                    .is_some_and(|s| s.eq_ignore_ascii_case(b"%2e"))
        }
        b'%' => {
            bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        }
        _ => b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_parser(url: &str) -> String {
        let mut u = url::Url::parse(url).unwrap();
        u.set_query(None);
        u.set_fragment(None);
        u.to_string()
    }

    #[test]
    fn the_shortcut_agrees_with_the_parser() {
        let cases = [
            "http://a.test",
            "http://a.test/",
            "https://a.test:443/x",
            "http://a.test:80/x?q=1#f",
            "http://a.test:8080/x/y/",
            "http://a.test:08080/x",
            "https://127.0.0.1:8443/items/1",
            "http://api-1.example.com/v1/items;x=1/@me:~!$&'()*+,=",
            "http://a.test/%41%2f",
            "http://a.test?x",
            "http://a.test#frag",
            "https://a.test/p?q#f",
        ];
        for url in cases {
            let simple = already_simple(url).unwrap_or_else(|| panic!("{url} is simple"));
            assert_eq!(simple, by_parser(url), "{url}");
        }
    }

    #[test]
    fn anything_else_goes_to_the_parser() {
        let cases = [
            "http://A.test/",
            "http://a.test/./x",
            "http://a.test/x/../y",
            "http://a.test/%2e%2E/y",
            "http://a.test/a b",
            "http://a.test/é",
            "http://127.1/",
            "http://0x7f.0.0.1/",
            "http://010.0.0.1/",
            "http://xn--nxasmq6b.test/",
            "http://user:pw@a.test/",
            "http://a.test:/",
            "http://a.test:99999/",
            "http://a..test/",
            "http://[::1]:80/",
            "ftp://a.test/",
            "HTTP://a.test/",
            "http://a.test/%zz",
            "http://a.test\\x",
        ];
        for url in cases {
            assert_eq!(already_simple(url), None, "{url}");
        }
        assert_eq!(normalize_url("http://A.test:80/./x?q"), "http://a.test/x");
        assert_eq!(normalize_url("not a url"), "not a url");
        let uri: http::Uri = "https://A.test:443/x/./y?q=1".parse().unwrap();
        assert_eq!(normalize_uri(&uri), "https://a.test/x/y");
        let uri: http::Uri = "http://a.test:8080/x?q=1".parse().unwrap();
        assert_eq!(normalize_uri(&uri), "http://a.test:8080/x");
    }

    #[test]
    fn an_expected_url_with_a_query_is_refused_pointing_at_params() {
        for url in [
            "http://a.test/items?page=2",
            "http://a.test/?",
            "http://a.test?x#f",
        ] {
            let error = normalize_expected_url(url).unwrap_err();
            assert!(error.contains("has a query"), "{url}: {error}");
            assert!(error.contains(".params(params_exact(...))"), "{error}");
        }
        let error = normalize_expected_url("http://a.test/items?page=2").unwrap_err();
        assert!(error.contains("(`?page=2`)"), "{error}");
    }

    #[test]
    fn an_expected_url_with_userinfo_is_refused_without_showing_the_password() {
        for url in [
            "http://user:pw@a.test/",
            "http://user@a.test/x",
            "http://:pw@a.test/",
        ] {
            let error = normalize_expected_url(url).unwrap_err();
            assert!(error.contains("has userinfo"), "{url}: {error}");
            assert!(error.contains(r#"("Authorization", [...])"#), "{error}");
            assert!(!error.contains("pw"), "{error}");
        }
        let error = normalize_expected_url("http://user:pw@A.test/x").unwrap_err();
        assert!(error.contains(r#""http://a.test/x""#), "{error}");
    }

    #[test]
    fn an_expected_url_without_query_or_userinfo_is_normalised() {
        let cases = [
            ("http://A.test:80/./x", "http://a.test/x"),
            ("http://a.test/x#frag?not-a-query", "http://a.test/x"),
            ("http://a.test/@me", "http://a.test/@me"),
            ("http://a.test/a%3Fb", "http://a.test/a%3Fb"),
            ("not a url?", "not a url?"),
        ];
        for (url, normal) in cases {
            assert_eq!(normalize_expected_url(url).as_deref(), Ok(normal), "{url}");
        }
    }
}
