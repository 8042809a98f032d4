//! Header names and values, both ways. A request header is either refused
//! with a builder error (exactly when `http` refuses the name or value) or
//! sent byte for byte. A response with any headers (any status, `Location`,
//! lengths, codings, cookies, challenges) is read through every accessor
//! without a panic, and its plain headers come back unchanged.

use bytes::Bytes;
use proptest::prelude::*;
use treq::HttpClient;

use crate::harness::{block_on, cases, check_server_error, config, response, Scripted};

/// Names whose request values the client itself manages (adds to, replaces
/// or derives): only "no panic" is checked for them.
const MANAGED: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "accept-encoding",
    "cookie",
    "authorization",
    "connection",
    "host",
    "content-type",
];

/// Response headers the client reads or rewrites.
const INTERPRETED: &[&str] = &[
    "location",
    "content-length",
    "content-type",
    "content-encoding",
    "transfer-encoding",
    "set-cookie",
    "www-authenticate",
    "connection",
];

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9-]{1,10}",
        2 => proptest::sample::select(&[
            "Content-Length", "Host", "Cookie", "Authorization", "Accept-Encoding",
            "Transfer-Encoding", "Connection", "content-type", "Location", "Set-Cookie",
            "Content-Encoding", "WWW-Authenticate", "X-Forwarded-For",
        ][..]).prop_map(str::to_owned),
        1 => "[ -~]{0,10}",
        1 => "\\PC{0,5}",
        1 => ".{0,5}",
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "[ -~]{0,16}".prop_map(String::into_bytes),
        2 => proptest::collection::vec(any::<u8>(), 0..24),
        1 => "\\PC{0,8}".prop_map(String::into_bytes),
        1 => proptest::sample::select(&[
            "a\r\nInjected: 1", "\0", "\t", " x ", "-1", "18446744073709551616",
            "0, 5", "gzip, gzip, gzip, gzip, gzip, gzip, gzip", "chunked", "http://[::1", "//evil.test/",
            "/relative", "http://example.test:99999/", "\u{1F600}", "a=b; Domain=test; Max-Age=-9999999999999",
            "Digest nonce=\"", "text/html; charset=\u{fc}",
        ][..]).prop_map(|s| s.as_bytes().to_vec()),
    ]
}

fn header_names_and_values() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    proptest::collection::vec((name(), value()), 0..5)
}

proptest! {
    #![proptest_config(config(cases(32)))]

    #[test]
    fn request_headers_are_refused_or_sent_as_given(headers in header_names_and_values()) {
        let agent = Scripted::new(|_, _| response(200, &[], ""));
        let client = HttpClient::new(agent.clone());
        let mut request = client.get("http://example.test/");
        for (n, v) in &headers {
            request = request.header(n.as_str(), Bytes::from(v.clone()));
        }
        let result = block_on(request.send());
        let valid = headers.iter().all(|(n, v)| {
            http::HeaderName::from_bytes(n.as_bytes()).is_ok() && http::HeaderValue::from_bytes(v).is_ok()
        });
        match result {
            Err(e) => {
                prop_assert!(e.is_builder(), "not a builder error: {e:?}");
                prop_assert!(!valid, "valid headers were refused: {e}");
            }
            Ok(_) => {
                prop_assert!(valid, "an invalid header was accepted: {headers:?}");
                let seen = &agent.seen()[0];
                for (n, v) in &headers {
                    let name = http::HeaderName::from_bytes(n.as_bytes()).unwrap();
                    if MANAGED.contains(&name.as_str()) {
                        continue;
                    }
                    let sent: Vec<&[u8]> = seen.headers.get_all(&name).iter().map(|v| v.as_bytes()).collect();
                    prop_assert!(sent.contains(&&v[..]), "{name}: sent {sent:?}, given {v:?}");
                }
            }
        }
    }

    #[test]
    fn any_response_headers_are_read_without_a_panic(
        status in prop_oneof![
            3 => proptest::sample::select(&[200u16, 204, 206, 301, 302, 303, 304, 307, 308, 401, 404, 500][..]),
            1 => 100u16..1000,
        ],
        headers in header_names_and_values(),
        body in proptest::collection::vec(any::<u8>(), 0..32),
        follow in any::<bool>(),
    ) {
        let lines: Vec<(Vec<u8>, Vec<u8>)> = headers.iter().map(|(n, v)| (n.as_bytes().to_vec(), v.clone())).collect();
        let reply = lines.clone();
        let reply_body = body;
        let agent = Scripted::new(move |i, _| {
            if i == 0 { response(status, &reply, reply_body.clone()) } else { response(200, &[], "") }
        });
        let client = HttpClient::new(agent.clone());
        let outcome = block_on(async {
            let resp = client.get("http://example.test/start").allow_redirects(follow).max_redirects(3).await?;
            let summary = format!(
                "{} {} {:?} {:?} {} {:?} {:?} {:?} {:?}",
                resp.code(), resp.phrase(), resp.version(), resp.length(), resp.url(),
                resp.history().len(), resp.request().map(|r| r.uri().to_string()),
                resp.cookies(), resp,
            );
            let headers = resp.headers().clone();
            let code = resp.code();
            let text = resp.text().await;
            let content = resp.content().await;
            let status_err = resp.error_for_status().err();
            Ok::<_, treq::Error>((summary, headers, code, text, content, status_err))
        });
        prop_assert!(agent.seen().len() <= 4, "followed more than 3 redirects");
        match outcome {
            Err(e) => {
                check_server_error(&e)?;
                let _ = format!("{e:?}");
            }
            Ok((_, got, code, text, content, status_err)) => {
                if let Err(e) = &text { prop_assert!(e.is_decode() || e.is_body(), "{e:?}"); }
                if let Err(e) = &content { prop_assert!(e.is_decode() || e.is_body(), "{e:?}"); }
                if let Some(e) = status_err { prop_assert!(e.is_status(), "{e:?}"); }
                if agent.seen().len() == 1 {
                    prop_assert_eq!(code, status);
                    // Headers the client does not interpret come back unchanged.
                    for (n, _) in &lines {
                        let Ok(name) = http::HeaderName::from_bytes(n) else { continue };
                        if INTERPRETED.contains(&name.as_str()) { continue; }
                        let sent: Vec<&[u8]> = lines.iter()
                            .filter(|(m, v)| http::HeaderName::from_bytes(m).ok().as_ref() == Some(&name) && http::HeaderValue::from_bytes(v).is_ok())
                            .map(|(_, v)| &v[..]).collect();
                        let back: Vec<&[u8]> = got.get_all(&name).iter().map(|v| v.as_bytes()).collect();
                        prop_assert_eq!(back, sent, "{}", name);
                    }
                }
            }
        }
    }
}
