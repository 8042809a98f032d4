//! URLs with params: any URL string and any params give either a builder
//! error or a request whose query ends with exactly those params, in order
//! (decoded back here), sent without userinfo or fragment.

use bytes::Bytes;
use proptest::prelude::*;
use treq::HttpClient;

use crate::harness::{block_on, cases, config, response, Scripted};

#[derive(Debug, Clone)]
struct Case {
    url: String,
    /// The password in the URL's userinfo, if any (distinctive, to look for).
    password: Option<String>,
    params: Vec<(Vec<u8>, Vec<Vec<u8>>)>,
}

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(list).prop_map(str::to_owned)
}

fn url() -> impl Strategy<Value = (String, Option<String>)> {
    (
        prop_oneof![
            6 => pick(&["http", "https", "HTTP", "Https"]),
            1 => pick(&["ftp", "file", "data", "", "ht tp", "javascript", "h\u{1F600}"]),
        ],
        pick(&["://", "://", "://", ":/", ":", ":///"]),
        proptest::option::weighted(0.2, ("[a-z]{1,6}", "[A-Z]{6}", any::<bool>())),
        prop_oneof![
            6 => pick(&["example.test", "EXAMPLE.test", "127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "bücher.test", "xn--bcher-kva.test", "localhost"]),
            2 => pick(&["", "exa mple", "0x7f.1", "256.0.0.1", "a..b", "%65xample.test", ".", "[::1", "::1", "a@b", "\u{1F600}.test", "ex\u{ad}ample.test"]),
            1 => "[a-z0-9.-]{0,12}",
            1 => "\\PC{0,6}",
        ],
        proptest::option::weighted(0.3, pick(&[":80", ":0", ":65535", ":65536", ":99999999999", ":", ":abc", ":-1", ":8080"])),
        prop_oneof![
            3 => pick(&["", "/", "/a/b", "/%zz", "/ä ö", "/a?b", "/..", "/./a/../b"]),
            1 => "/[ -~]{0,12}",
            1 => "\\PC{0,8}",
        ],
        proptest::option::weighted(0.4, prop_oneof![pick(&["", "a=1", "a=1&b", "&&", "q=%zz", "x=a+b"]), "[ -~]{0,10}"]),
        proptest::option::weighted(0.2, "[ -~]{0,8}"),
        pick(&["", "", "", " ", "\t", "\n"]),
    )
        .prop_map(|(scheme, sep, userinfo, host, port, path, query, fragment, pad)| {
            let mut url = format!("{pad}{scheme}{sep}");
            let mut password = None;
            if let Some((user, pass, with_pass)) = userinfo {
                if with_pass {
                    let pass = format!("pw{pass}");
                    url.push_str(&format!("{user}:{pass}@"));
                    password = Some(pass);
                } else {
                    url.push_str(&format!("{user}@"));
                }
            }
            url.push_str(&host);
            url.push_str(&port.unwrap_or_default());
            url.push_str(&path);
            if let Some(q) = query {
                url.push('?');
                url.push_str(&q);
            }
            if let Some(f) = fragment {
                url.push('#');
                url.push_str(&f);
            }
            url.push_str(&pad);
            (url, password)
        })
}

fn param_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "\\PC{0,8}".prop_map(String::into_bytes),
        2 => "[ -~]{0,8}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..8),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        url(),
        proptest::collection::vec(
            (
                param_bytes(),
                proptest::collection::vec(param_bytes(), 0..3),
            ),
            0..4,
        ),
    )
        .prop_map(|((url, password), params)| Case {
            url,
            password,
            params,
        })
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes `application/x-www-form-urlencoded` pairs to raw bytes.
fn decode_query(query: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let decode = |s: &str| {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        out
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), Vec::new()),
        })
        .collect()
}

fn send(case: &Case) -> (treq::Result<u16>, Vec<crate::harness::Seen>) {
    let agent = Scripted::new(|_, _| response(200, &[], ""));
    let client = HttpClient::new(agent.clone());
    let params: Vec<(Bytes, Vec<Bytes>)> = case
        .params
        .iter()
        .map(|(k, vs)| {
            (
                Bytes::from(k.clone()),
                vs.iter().cloned().map(Bytes::from).collect(),
            )
        })
        .collect();
    let result = block_on(async { Ok(client.get(&case.url).params(params).await?.code()) });
    (result, agent.seen())
}

proptest! {
    #![proptest_config(config(cases(32)))]

    #[test]
    fn urls_with_params_round_trip_or_fail_as_builder_errors(case in case()) {
        let (result, seen) = send(&case);
        let parsed = url::Url::parse(case.url.trim());
        match result {
            Err(e) => {
                prop_assert!(e.is_builder(), "not a builder error: {e:?}");
                prop_assert!(seen.is_empty());
                // A valid http(s) URL with an ordinary host is never refused
                // (the url crate allows hosts like `a}b` that no request
                // line can carry: refusing those is right).
                if let Ok(u) = &parsed {
                    let host = u.host_str().unwrap_or("");
                    let ordinary = !host.is_empty()
                        && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
                    prop_assert!(
                        !(matches!(u.scheme(), "http" | "https") && ordinary),
                        "a valid URL {u} was refused: {e}"
                    );
                }
            }
            Ok(_) => {
                prop_assert!(parsed.is_ok(), "{:?} is not a URL, yet it was sent", case.url);
                prop_assert_eq!(seen.len(), 1);
                let uri = &seen[0].uri;
                let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
                prop_assert!(!authority.contains('@'), "userinfo sent in {uri}");
                if let Some(pw) = &case.password {
                    prop_assert!(!uri.to_string().contains(pw.as_str()), "password sent in {uri}");
                }
                let flat: Vec<(Vec<u8>, Vec<u8>)> = case
                    .params
                    .iter()
                    .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
                    .collect();
                let pairs = decode_query(uri.query().unwrap_or(""));
                // Pairs with an empty key and value encode to "=": decoding
                // keeps them, so the tail lines up exactly.
                prop_assert!(pairs.len() >= flat.len(), "query {:?} lost params {:?}", uri.query(), flat);
                prop_assert_eq!(&pairs[pairs.len() - flat.len()..], &flat[..], "query {:?}", uri.query());
            }
        }
    }
}

proptest! {
    #![proptest_config(config(cases(32)))]

    /// No error message or debug output shows the password of a URL's
    /// userinfo.
    #[test]
    fn url_passwords_never_appear_in_errors(case in case()) {
        let Some(password) = case.password.clone() else { return Ok(()) };
        // Where the URL parses without userinfo (`file:///a:pw@h`,
        // `data:/a:pw@h`), the text is a path, which an error may show.
        if url::Url::parse(case.url.trim()).is_ok_and(|u| u.password().is_none()) {
            return Ok(());
        }
        let (result, _) = send(&case);
        if let Err(e) = result {
            let shown = format!("{e} {e:?}");
            prop_assert!(!shown.contains(&password), "{shown}");
        }
    }
}
