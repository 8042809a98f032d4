//! treq's `params` and `headers` rules (behaviour catalogue sections D and E),
//! checked against the exact query string and headers a loopback server receives.

mod support;

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use support::record::Recorder;
use treq::header::{HeaderMap, HeaderValue};

fn client() -> treq::HttpClient<treq::HyperAgent> {
    treq::HttpClient::new(treq::HyperAgent::new())
}

/// The request-target (path and query) the server saw.
async fn target_for(rec: &Recorder, builder: treq::RequestBuilder<treq::HyperAgent>) -> String {
    let resp = builder.await.unwrap();
    assert_eq!(resp.code(), 200);
    rec.last().uri.to_string()
}

#[tokio::test]
async fn params_are_appended_after_the_urls_own_query() {
    let rec = Recorder::start();
    let c = client();
    // Rule 12.
    let cases = [
        (
            c.get(rec.url("/?baz=bax"))
                .params([("foo", vec!["bar", "baz"])]),
            "/?baz=bax&foo=bar&foo=baz",
        ),
        (
            c.get(rec.url("/?a=1&a=2")).params([("a", "3")]),
            "/?a=1&a=2&a=3",
        ),
        (c.get(rec.url("/?flag")).params([("a", 1)]), "/?flag&a=1"),
        (c.get(rec.url("/?")).params([("a", 1)]), "/?a=1"),
        // Rule 13: a path appears; params that yield no pairs leave the URL alone.
        (c.get(rec.url("")).params([("a", "")]), "/?a="),
        (
            c.get(rec.url("/x?q=1")).params([("a", Vec::<&str>::new())]),
            "/x?q=1",
        ),
        (
            c.get(rec.url("/x")).params(Vec::<(&str, &str)>::new()),
            "/x",
        ),
        (
            c.get(rec.url("/x"))
                .params(HashMap::<String, String>::new()),
            "/x",
        ),
        // `params` may be called several times; pairs accumulate in order.
        (
            c.get(rec.url("/"))
                .params([("a", "1")])
                .params([("b", "2")]),
            "/?a=1&b=2",
        ),
    ];
    for (builder, want) in cases {
        assert_eq!(target_for(&rec, builder).await, want);
    }
}

#[tokio::test]
async fn params_shapes_keep_their_order() {
    // Rule 14: pairs, maps and multi-value maps; order is the caller's.
    let rec = Recorder::start();
    let c = client();
    let mut sorted = BTreeMap::new();
    sorted.insert("z", vec!["1", "2"]);
    sorted.insert("a", vec!["3"]);
    let mut single = HashMap::new();
    single.insert("only", "one");
    let cases = [
        (
            c.get(rec.url("/")).params([("z", "1"), ("a", "2")]),
            "/?z=1&a=2",
        ),
        (
            c.get(rec.url("/"))
                .params(vec![("b", "2"), ("a", "1"), ("b", "0")]),
            "/?b=2&a=1&b=0",
        ),
        (c.get(rec.url("/")).params(&sorted), "/?a=3&z=1&z=2"),
        (c.get(rec.url("/")).params(single), "/?only=one"),
        (
            c.get(rec.url("/"))
                .params([("opt", Some("x")), ("none", None)]),
            "/?opt=x",
        ),
        (
            c.get(rec.url("/")).params([("arr", ["1", "2"])]),
            "/?arr=1&arr=2",
        ),
    ];
    for (builder, want) in cases {
        assert_eq!(target_for(&rec, builder).await, want);
    }
}

#[tokio::test]
async fn params_are_encoded_like_treq() {
    // Rule 15: UTF-8 then quote_plus; bytes raw; numbers through Display.
    let rec = Recorder::start();
    let c = client();
    let cases = [
        (
            c.get(rec.url("/"))
                .params([("text", "A\u{3a9}")])
                .params([("int-seq", [1, 2, 3])]),
            "/?text=A%CE%A9&int-seq=1&int-seq=2&int-seq=3",
        ),
        (
            c.get(rec.url("/"))
                .params([(
                    Bytes::from_static(b"bytes"),
                    vec![
                        Bytes::from_static(b"ascii"),
                        Bytes::from_static(b"\x00\xff\xfb"),
                    ],
                )])
                .params([(1, "int")]),
            "/?bytes=ascii&bytes=%00%FF%FB&1=int",
        ),
        (
            c.get(rec.url("/")).params([
                ("ampersand", "&"),
                ("&", "ampersand"),
                ("octothorpe", "#"),
                ("#", "octothorpe"),
            ]),
            "/?ampersand=%26&%26=ampersand&octothorpe=%23&%23=octothorpe",
        ),
        (c.get(rec.url("/")).params([("b", "x y+z")]), "/?b=x+y%2Bz"),
        (
            c.get(rec.url("/")).params([("k", "\u{e9}/?=&")]),
            "/?k=%C3%A9%2F%3F%3D%26",
        ),
        (c.get(rec.url("/")).params([("k", "~-._*")]), "/?k=~-._%2A"),
        // Rule 16: empty values are kept.
        (c.get(rec.url("/")).params([("a", "")]), "/?a="),
        (
            c.get(rec.url("/"))
                .params([("f", 1.5)])
                .params([("t", true)]),
            "/?f=1.5&t=true",
        ),
    ];
    for (builder, want) in cases {
        assert_eq!(target_for(&rec, builder).await, want);
    }
}

#[tokio::test]
async fn url_escapes_and_plus_pass_through_untouched() {
    // Rule 10: what reaches the server is the URL as given, percent-escapes and `+` kept.
    let rec = Recorder::start();
    let c = client();
    let cases = [
        (c.get(rec.url("/%FF%FEh%00?x=%7e")), "/%FF%FEh%00?x=%7e"),
        (c.get(rec.url("/?foo+bar=baz+biff")), "/?foo+bar=baz+biff"),
        (c.get(rec.url("/a b?c d=e f")), "/a%20b?c%20d=e%20f"),
        (c.get(rec.url("/\u{fc}?q=\u{fc}")), "/%C3%BC?q=%C3%BC"),
        (c.get(rec.url("/?a=1#frag")).params([("b", 2)]), "/?a=1&b=2"),
        // Userinfo never reaches the request line.
        (
            c.get(rec.url("/u").replacen("://", "://user:pass@", 1)),
            "/u",
        ),
    ];
    for (builder, want) in cases {
        assert_eq!(target_for(&rec, builder).await, want);
    }
}

#[tokio::test]
async fn the_host_is_lowercased() {
    let rec = Recorder::start();
    let port = rec.server.addr().port();
    let resp = client()
        .get(format!("http://LocalHost:{port}/Path"))
        .await
        .unwrap();
    assert_eq!(resp.url().as_str(), format!("http://localhost:{port}/Path"));
    let req = rec.last();
    assert_eq!(
        req.header("host"),
        Some(format!("localhost:{port}").as_str())
    );
    assert_eq!(req.uri.path(), "/Path", "the path keeps its case");
}

#[tokio::test]
async fn header_values_and_lists_reach_the_server_in_order() {
    // Rules 18-19: one value, several values (order kept), raw bytes.
    let rec = Recorder::start();
    let raw: &[u8] = b"\xff";
    client()
        .get(rec.url("/"))
        .header("X-Blah", vec!["Foo", "Bar"])
        .header("X-Single", "one")
        .header("X-Bytes", raw)
        .header(String::from("x-lower"), String::from("v"))
        .header("X-Value", HeaderValue::from_static("hv"))
        .await
        .unwrap();
    let req = rec.last();
    assert_eq!(req.header_all("x-blah"), ["Foo", "Bar"]);
    assert_eq!(req.header("x-single"), Some("one"));
    assert_eq!(req.headers["x-bytes"].as_bytes(), b"\xff");
    assert_eq!(
        req.header("X-LOWER"),
        Some("v"),
        "names are case-insensitive"
    );
    assert_eq!(req.header("x-value"), Some("hv"));
}

#[tokio::test]
async fn header_maps_and_pairs_are_accepted_and_never_mutated() {
    let rec = Recorder::start();
    let mut mine = HeaderMap::new();
    mine.append("x-blah", HeaderValue::from_static("Foo"));
    mine.append("x-blah", HeaderValue::from_static("Bar"));
    mine.insert("content-type", HeaderValue::from_static("text/plain"));
    let before = mine.clone();
    let c = client();
    // A generated Content-Type (json) and Content-Length must not leak into the caller's map.
    c.post(rec.url("/")).headers(&mine).json(&1).await.unwrap();
    assert_eq!(mine, before);
    let req = rec.last();
    assert_eq!(req.header_all("x-blah"), ["Foo", "Bar"]);
    assert_eq!(
        req.header("content-type"),
        Some("application/json; charset=UTF-8")
    );

    c.get(rec.url("/")).headers(mine.clone()).await.unwrap();
    assert_eq!(rec.last().header_all("x-blah"), ["Foo", "Bar"]);

    let mut map = BTreeMap::new();
    map.insert("X-Map", vec!["1", "2"]);
    c.get(rec.url("/"))
        .headers(&map)
        .headers(vec![("X-Pair", "p")])
        .headers([("X-Arr", ["a", "b"])])
        .await
        .unwrap();
    let req = rec.last();
    assert_eq!(req.header_all("x-map"), ["1", "2"]);
    assert_eq!(req.header("x-pair"), Some("p"));
    assert_eq!(req.header_all("x-arr"), ["a", "b"]);
}

#[tokio::test]
async fn default_headers_are_replaced_by_a_requests_own() {
    let rec = Recorder::start();
    let c = treq::HttpClient::builder(treq::HyperAgent::new())
        .default_headers([("X-Default", "d"), ("User-Agent", "treq-test")])
        .build();
    c.get(rec.url("/")).await.unwrap();
    let req = rec.last();
    assert_eq!(req.header("x-default"), Some("d"));
    assert_eq!(req.header("user-agent"), Some("treq-test"));
    c.get(rec.url("/"))
        .header("User-Agent", vec!["mine", "also"])
        .await
        .unwrap();
    let req = rec.last();
    assert_eq!(req.header_all("user-agent"), ["mine", "also"]);
    assert_eq!(req.header("x-default"), Some("d"));
}

#[tokio::test]
async fn no_user_agent_or_content_encoding_is_invented() {
    // Rule 23: treq adds no default User-Agent; design: no empty Content-Encoding.
    let rec = Recorder::start();
    let resp = client().get(rec.url("/")).await.unwrap();
    let req = rec.last();
    assert!(req.headers.get("user-agent").is_none(), "{:?}", req.headers);
    assert!(
        req.headers.get("content-length").is_none(),
        "GET without a body"
    );
    assert!(req.headers.get("transfer-encoding").is_none());
    assert_eq!(
        req.header("host"),
        Some(rec.server.addr().to_string().as_str())
    );
    assert!(resp.headers().get("content-encoding").is_none());
}
