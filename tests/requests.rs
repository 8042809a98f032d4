//! Requests over a loopback server: methods, bodies (json, form, data, files,
//! streams), the module-level functions, IPv6, and reading responses.

mod support;

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::json;
use support::record::Recorder;
use support::server::{reply, Server};
use treq::header::{HeaderMap, HeaderValue};

fn client() -> treq::HttpClient<treq::HyperAgent> {
    treq::HttpClient::new(treq::HyperAgent::new())
}

#[tokio::test]
async fn methods_are_case_insensitive_and_custom_methods_work() {
    let rec = Recorder::start();
    let c = client();
    for (given, sent) in [
        ("gEt", "GET"),
        ("post", "POST"),
        ("custom", "CUSTOM"),
        ("PROPFIND", "PROPFIND"),
    ] {
        let resp = c.request(given, rec.url("/m")).await.unwrap();
        assert_eq!(resp.request().unwrap().method().as_str(), sent);
        assert_eq!(rec.last().method.as_str(), sent);
    }
    c.request(treq::Method::PUT, rec.url("/")).await.unwrap();
    assert_eq!(rec.last().method, "PUT");
}

#[tokio::test]
async fn client_verbs_send_their_method() {
    let rec = Recorder::start();
    let c = client();
    let url = rec.url("/verb");
    let sent = [
        (c.get(&url), "GET"),
        (c.head(&url), "HEAD"),
        (c.post(&url), "POST"),
        (c.put(&url), "PUT"),
        (c.patch(&url), "PATCH"),
        (c.delete(&url), "DELETE"),
        (c.options(&url), "OPTIONS"),
    ];
    for (builder, method) in sent {
        assert_eq!(builder.await.unwrap().code(), 200);
        assert_eq!(rec.last().method, method);
    }
}

#[tokio::test]
async fn module_level_functions_work() {
    let rec = Recorder::start();
    let url = rec.url("/module");
    let sent = [
        (treq::get(&url), "GET"),
        (treq::head(&url), "HEAD"),
        (treq::post(&url).data("p"), "POST"),
        (treq::put(&url).data("u"), "PUT"),
        (treq::patch(&url).data("a"), "PATCH"),
        (treq::delete(&url), "DELETE"),
        (treq::options(&url), "OPTIONS"),
        (treq::request("OPTIONS", &url), "OPTIONS"),
        (treq::request("report", &url), "REPORT"),
    ];
    for (builder, method) in sent {
        let resp = builder.send().await.unwrap();
        assert_eq!(resp.code(), 200);
        assert_eq!(rec.last().method, method);
    }
    assert_eq!(rec.last().uri.path(), "/module");
    let body = treq::post(&url).data("hello").await.unwrap();
    assert_eq!(treq::response::text_content(&body).await.unwrap(), "ok");
    assert_eq!(rec.last().body, "hello");
}

#[tokio::test]
async fn bodiless_post_put_patch_send_content_length_zero() {
    let rec = Recorder::start();
    let c = client();
    for builder in [
        c.post(rec.url("/")),
        c.put(rec.url("/")),
        c.patch(rec.url("/")),
        c.request("post", rec.url("/")),
    ] {
        builder.await.unwrap();
        let req = rec.last();
        assert_eq!(req.header("content-length"), Some("0"), "{}", req.method);
        assert!(req.headers.get("transfer-encoding").is_none());
        assert!(req.body.is_empty());
    }
    // An empty `data` is no body too (treq: a falsy data means no body).
    c.post(rec.url("/")).data("").await.unwrap();
    assert_eq!(rec.last().header("content-length"), Some("0"));
    for builder in [
        c.get(rec.url("/")),
        c.delete(rec.url("/")),
        c.options(rec.url("/")),
    ] {
        builder.await.unwrap();
        assert!(rec.last().headers.get("content-length").is_none());
    }
}

#[tokio::test]
async fn json_bodies_match_treq() {
    // Rule 24: compact JSON, `application/json; charset=UTF-8`.
    let rec = Recorder::start();
    let c = client();
    let none: Option<u8> = None;
    let cases: Vec<(treq::RequestBuilder<treq::HyperAgent>, &str)> = vec![
        (
            c.post(rec.url("/")).json(&json!({"foo": "bar"})),
            r#"{"foo":"bar"}"#,
        ),
        (c.post(rec.url("/")).json(&("foo", 1)), r#"["foo",1]"#),
        (c.post(rec.url("/")).json(&1.0), "1.0"),
        (c.post(rec.url("/")).json("hello"), r#""hello""#),
        (c.post(rec.url("/")).json(&true), "true"),
        (c.post(rec.url("/")).json(&none), "null"),
        (c.put(rec.url("/")).json(&vec![1, 2]), "[1,2]"),
    ];
    for (builder, want) in cases {
        builder.await.unwrap();
        let req = rec.last();
        assert_eq!(req.body, want);
        assert_eq!(
            req.header("content-type"),
            Some("application/json; charset=UTF-8")
        );
        assert_eq!(
            req.header("content-length"),
            Some(want.len().to_string().as_str())
        );
    }
    // Non-ASCII is sent as UTF-8 (valid under the declared charset; Python's
    // ensure_ascii escapes would decode to the same value).
    c.post(rec.url("/"))
        .json(&json!({"\u{e9}": "\u{fc}"}))
        .await
        .unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&rec.last().body).unwrap();
    assert_eq!(sent, json!({"\u{e9}": "\u{fc}"}));
}

#[tokio::test]
async fn form_bodies_match_treq() {
    // Rule 27: insertion order, repeated keys, quote_plus, form Content-Type.
    let rec = Recorder::start();
    let c = client();
    let mut multi = BTreeMap::new();
    multi.insert("foo", vec!["bar", "baz"]);
    let cases: Vec<(treq::RequestBuilder<treq::HyperAgent>, &str)> = vec![
        (c.post(rec.url("/")).form(&multi), "foo=bar&foo=baz"),
        (
            c.post(rec.url("/")).form([("z", "1"), ("a", "2")]),
            "z=1&a=2",
        ),
        (
            c.post(rec.url("/"))
                .form([("sp", "a b"), ("amp", "&"), ("u", "\u{e9}")]),
            "sp=a+b&amp=%26&u=%C3%A9",
        ),
        (c.post(rec.url("/")).form([("n", 1)]), "n=1"),
        (c.post(rec.url("/")).form([("foo", "bar")]), "foo=bar"),
        (
            c.put(rec.url("/")).form([("a", "1")]).form([("b", "2")]),
            "a=1&b=2",
        ),
    ];
    for (builder, want) in cases {
        builder.await.unwrap();
        let req = rec.last();
        assert_eq!(req.body, want);
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
    // An empty form is an empty body that still carries the form Content-Type.
    c.post(rec.url("/"))
        .form(Vec::<(&str, &str)>::new())
        .await
        .unwrap();
    let req = rec.last();
    assert!(req.body.is_empty());
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(req.header("content-length"), Some("0"));
}

#[tokio::test]
async fn generated_content_type_wins_but_raw_data_keeps_the_users() {
    // Rule 30.
    let rec = Recorder::start();
    let c = client();
    c.post(rec.url("/"))
        .header("Content-Type", "text/plain")
        .json(&1)
        .await
        .unwrap();
    assert_eq!(
        rec.last().header_all("content-type"),
        ["application/json; charset=UTF-8"]
    );
    c.post(rec.url("/"))
        .header("Content-Type", "text/plain")
        .form([("a", "b")])
        .await
        .unwrap();
    assert_eq!(
        rec.last().header_all("content-type"),
        ["application/x-www-form-urlencoded"]
    );
    c.post(rec.url("/"))
        .header("Content-Type", "text/plain")
        .data("raw")
        .await
        .unwrap();
    let req = rec.last();
    assert_eq!(req.header_all("content-type"), ["text/plain"]);
    assert_eq!(req.body, "raw");
    // Rule 29: raw data gets no Content-Type of its own.
    c.post(rec.url("/")).data(&b"\x00\x01"[..]).await.unwrap();
    let req = rec.last();
    assert!(req.headers.get("content-type").is_none());
    assert_eq!(req.body.as_ref(), b"\x00\x01");
}

#[tokio::test]
async fn conflicting_bodies_are_errors_naming_both() {
    let rec = Recorder::start();
    let c = client();
    let cases = [
        (c.post(rec.url("/")).json(&1).data("x"), ["json", "data"]),
        (c.post(rec.url("/")).data("x").json(&1), ["json", "data"]),
        (
            c.post(rec.url("/")).json(&1).form([("a", "b")]),
            ["json", "form"],
        ),
        (
            c.post(rec.url("/")).data("x").form([("a", "b")]),
            ["data", "form"],
        ),
        (
            c.post(rec.url("/"))
                .json(&1)
                .files([("f", treq::Part::bytes("x"))]),
            ["json", "files"],
        ),
        (
            c.post(rec.url("/"))
                .data("x")
                .files([("f", treq::Part::bytes("x"))]),
            ["data", "files"],
        ),
    ];
    for (builder, names) in cases {
        let err = builder.await.unwrap_err();
        assert!(err.is_builder(), "{err:?}");
        let msg = err.to_string();
        for name in names {
            assert!(msg.contains(&format!("`{name}`")), "{msg}");
        }
        assert!(msg.contains(&rec.url("/")), "the URL is named: {msg}");
    }
    assert_eq!(rec.count(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_file_body_is_streamed_with_content_length() {
    use tokio::io::AsyncSeekExt;
    let rec = Recorder::start();
    let dir = std::env::temp_dir().join(format!("treq-file-body-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("upload.bin");
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();

    let file = tokio::fs::File::open(&path).await.unwrap();
    client().put(rec.url("/f")).data(file).await.unwrap();
    let req = rec.last();
    assert_eq!(req.header("content-length"), Some("200000"));
    assert!(req.headers.get("transfer-encoding").is_none());
    assert!(req.body == content);

    // A file is sent from its current position.
    let mut file = tokio::fs::File::open(&path).await.unwrap();
    file.seek(std::io::SeekFrom::Start(199_990)).await.unwrap();
    client().post(rec.url("/f")).data(file).await.unwrap();
    let req = rec.last();
    assert_eq!(req.header("content-length"), Some("10"));
    assert_eq!(req.body.as_ref(), &content[199_990..]);

    let body = treq::Body::from_file(tokio::fs::File::open(&path).await.unwrap())
        .await
        .unwrap();
    assert_eq!(body.content_length(), Some(200_000));
    client().post(rec.url("/f")).data(body).await.unwrap();
    assert_eq!(rec.last().header("content-length"), Some("200000"));

    let mut file = tokio::fs::File::open(&path).await.unwrap();
    file.seek(std::io::SeekFrom::Start(100_000)).await.unwrap();
    let body = treq::Body::from_file(file).await.unwrap();
    assert_eq!(
        body.content_length(),
        Some(100_000),
        "from the current position"
    );
    client().post(rec.url("/f")).data(body).await.unwrap();
    assert_eq!(rec.last().body.as_ref(), &content[100_000..]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn a_pipe_body_is_sent_chunked() {
    let rec = Recorder::start();
    let dir = std::env::temp_dir().join(format!("treq-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("pipe");
    match std::process::Command::new("mkfifo").arg(&fifo).status() {
        Ok(status) if status.success() => {}
        _ => {
            eprintln!("skipping a_pipe_body_is_sent_chunked: mkfifo is not available");
            return;
        }
    }
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || std::fs::write(writer_path, b"piped data").unwrap());
    let file = tokio::fs::File::open(&fifo).await.unwrap();
    client().post(rec.url("/")).data(file).await.unwrap();
    writer.join().unwrap();
    let req = rec.last();
    assert_eq!(
        req.header("transfer-encoding"),
        Some("chunked"),
        "a pipe has no length"
    );
    assert_eq!(req.body, "piped data");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_stream_body_goes_chunked_and_a_sized_stream_does_not() {
    let rec = Recorder::start();
    let chunks = || {
        futures_util::stream::iter(vec![
            Ok::<_, std::io::Error>(Bytes::from("hello ")),
            Ok(Bytes::from("stream")),
        ])
    };
    client()
        .post(rec.url("/"))
        .data(treq::Body::wrap_stream(chunks()))
        .await
        .unwrap();
    let req = rec.last();
    assert_eq!(req.header("transfer-encoding"), Some("chunked"));
    assert!(req.headers.get("content-length").is_none());
    assert_eq!(req.body, "hello stream");

    client()
        .post(rec.url("/"))
        .data(treq::Body::sized_stream(chunks(), 12))
        .await
        .unwrap();
    let req = rec.last();
    assert_eq!(req.header("content-length"), Some("12"));
    assert_eq!(req.body, "hello stream");
}

#[tokio::test]
async fn a_failing_request_body_is_an_error() {
    let rec = Recorder::start();
    let items = vec![
        Ok(Bytes::from("part")),
        Err(std::io::Error::other("disk on fire")),
    ];
    let err = client()
        .post(rec.url("/"))
        .data(treq::Body::wrap_stream(futures_util::stream::iter(items)))
        .await
        .unwrap_err();
    assert!(err.is_request() || err.is_body(), "{err:?}");
}

#[tokio::test]
async fn ipv6_literal_urls_work() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipping ipv6_literal_urls_work: cannot bind [::1] on this machine");
        return;
    }
    // A tiny one-shot IPv6 server (the shared test server binds 127.0.0.1).
    let listener = tokio::net::TcpListener::bind("[::1]:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let (mut stream, _) = listener.accept().await.unwrap();
        let head = support::wire::read_head(&mut stream).await;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nv6ok")
            .await
            .unwrap();
        String::from_utf8(head).unwrap()
    });
    let url = format!("http://[::1]:{port}/six?x=1");
    let resp = client().get(&url).await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "v6ok");
    assert_eq!(resp.url().as_str(), url);
    let head = server.await.unwrap();
    assert!(head.starts_with("GET /six?x=1 HTTP/1.1\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("host: [::1]:{port}\r\n")),
        "{head}"
    );
}

/// A server answering with the given Content-Type and body bytes.
fn typed(content_type: &'static str, body: &'static [u8]) -> Server {
    Server::http(move |_| async move {
        let mut resp = reply(200, Bytes::from_static(body));
        if !content_type.is_empty() {
            resp.headers_mut()
                .insert("content-type", HeaderValue::from_static(content_type));
        }
        resp
    })
}

#[tokio::test]
async fn text_uses_the_charset_from_the_wire() {
    // Rule 73, over a real connection.
    let utf16: &'static [u8] = b"\xfe\xff\x00h\x00i";
    let cases: [(&str, &'static [u8], &str); 7] = [
        (
            "text/plain; charset=utf-8",
            "\u{2603}".as_bytes(),
            "\u{2603}",
        ),
        ("text/plain", b"\xa1", "\u{a1}"),
        ("", b"\xa1", "\u{a1}"),
        ("application/json", "gr\u{fc}n".as_bytes(), "gr\u{fc}n"),
        ("a/b; c=d; charsEt=ascii; e=f", b"plain", "plain"),
        ("text/plain; charset=\"UTF-16BE\"; u=x", &utf16[2..], "hi"),
        ("text/plain; charset=''", b"\xe9", "\u{e9}"),
    ];
    for (content_type, body, want) in cases {
        let server = typed(content_type, body);
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), want, "{content_type:?}");
    }
    // Rule 74: json() honours a header charset too.
    let utf16le: &'static [u8] = b"{\0\"\0a\0\"\0:\x001\0}\0";
    let server = typed("application/json; charset='UTF-16LE'", utf16le);
    let resp = client().get(server.url("/")).await.unwrap();
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap(),
        json!({"a": 1})
    );

    // An explicit default applies only when the header names no charset.
    let server = typed("text/plain", "\u{2603}".as_bytes());
    let resp = client().get(server.url("/")).await.unwrap();
    assert_eq!(resp.text_with("utf-8").await.unwrap(), "\u{2603}");
}

#[tokio::test]
async fn json_and_content_can_be_read_many_times() {
    let server = typed("application/json", br#"{"msg": "hello!"}"#);
    let resp = client().get(server.url("/")).await.unwrap();
    let (a, b) = tokio::join!(resp.content(), resp.content());
    assert_eq!(a.unwrap(), b.unwrap());
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["msg"], "hello!");
    assert_eq!(
        treq::response::json_content::<serde_json::Value>(&resp)
            .await
            .unwrap(),
        v
    );
    assert_eq!(
        treq::response::content(&resp).await.unwrap(),
        r#"{"msg": "hello!"}"#
    );
    let mut seen = Vec::new();
    treq::response::collect(&resp, |c| seen.push(c))
        .await
        .unwrap();
    assert_eq!(seen.concat(), br#"{"msg": "hello!"}"#);
}

#[tokio::test]
async fn a_response_body_can_be_streamed() {
    use futures_util::StreamExt;
    let server = Server::http(|_| async { reply(200, "streamed body") });
    let resp = client()
        .get(server.url("/"))
        .unbuffered(true)
        .await
        .unwrap();
    let mut stream = std::pin::pin!(resp.bytes_stream().unwrap());
    let mut got = Vec::new();
    while let Some(chunk) = stream.next().await {
        got.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(got, b"streamed body");
    // A buffered response already read hands out its cached bytes.
    let resp = client().get(server.url("/")).await.unwrap();
    resp.content().await.unwrap();
    let body = resp.into_body().unwrap();
    assert_eq!(body.collect_bytes(None).await.unwrap(), "streamed body");
}

#[tokio::test]
async fn head_gives_an_empty_body_and_collect_is_never_called() {
    let server = Server::http(|_| async {
        let mut resp = reply(200, "");
        resp.headers_mut()
            .insert("content-length", HeaderValue::from_static("1234"));
        resp
    });
    let resp = client().head(server.url("/")).await.unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.length(), Some(0));
    assert_eq!(resp.headers()["content-length"], "1234");
    resp.collect(|_| panic!("collect must not be called for HEAD"))
        .await
        .unwrap();
    assert!(resp.content().await.unwrap().is_empty());
    let resp = client()
        .head(server.url("/"))
        .unbuffered(true)
        .await
        .unwrap();
    resp.collect(|_| panic!("collect must not be called for HEAD"))
        .await
        .unwrap();

    // Rule 71: any response of length 0 never calls the collector.
    let empty = Server::http(|_| async { reply(200, "") });
    let resp = client().get(empty.url("/")).await.unwrap();
    assert_eq!(resp.length(), Some(0));
    resp.collect(|_| panic!("collect must not be called for an empty body"))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unbuffered_body_can_be_read_once() {
    let server = Server::http(|_| async { reply(200, "stream me") });
    let resp = client()
        .get(server.url("/"))
        .unbuffered(true)
        .await
        .unwrap();
    let mut seen = Vec::new();
    resp.collect(|c| seen.extend_from_slice(&c)).await.unwrap();
    assert_eq!(seen, b"stream me");
    let err = resp.content().await.unwrap_err();
    assert!(err.is_body(), "{err:?}");
    assert!(err.to_string().contains("already read"), "{err}");
    assert!(resp.collect(|_| ()).await.unwrap_err().is_body());
    assert!(resp.text().await.unwrap_err().is_body());
}

#[tokio::test]
async fn response_head_url_request_and_repr() {
    let server = Server::http(|_| async {
        let mut resp = reply(418, "I'm a teapot");
        *resp.status_mut() = http::StatusCode::IM_A_TEAPOT;
        resp.headers_mut()
            .insert("content-type", HeaderValue::from_static("text/plain"));
        resp.headers_mut()
            .insert("x-teapot", HeaderValue::from_static("teapot!"));
        resp
    });
    let url = server.url("/pot?a=1");
    let mut headers = HeaderMap::new();
    headers.insert("x-mine", HeaderValue::from_static("1"));
    let resp = client().get(&url).headers(&headers).await.unwrap();
    assert_eq!(resp.code(), 418);
    assert_eq!(resp.status(), treq::StatusCode::IM_A_TEAPOT);
    assert_eq!(resp.phrase(), "I'm a teapot");
    assert_eq!(resp.headers()["x-teapot"], "teapot!");
    assert_eq!(resp.length(), Some(12));
    assert_eq!(resp.url().as_str(), url);
    assert!(resp.history().is_empty());
    let sent = resp.request().unwrap();
    assert_eq!(sent.method(), treq::Method::GET);
    assert_eq!(sent.url().unwrap().as_str(), url);
    assert_eq!(sent.headers()["x-mine"], "1");
    assert_eq!(
        format!("{resp:?}"),
        "<treq::Response 418 'text/plain' 12 bytes>"
    );
    let err = resp.error_for_status().unwrap_err();
    assert!(err.is_status());
    assert_eq!(err.status(), Some(treq::StatusCode::IM_A_TEAPOT));
}

#[tokio::test]
async fn a_custom_reason_phrase_is_kept() {
    let server = support::server::RawServer::start(|stream| {
        support::wire::answer_raw(
            stream,
            b"HTTP/1.1 200 Totally Fine\r\nContent-Length: 0\r\n\r\n",
        )
    });
    let resp = client().get(server.url("/")).await.unwrap();
    assert_eq!(resp.phrase(), "Totally Fine");
}

#[tokio::test]
async fn a_tower_service_works_as_an_agent() {
    let service = tower::service_fn(|req: http::Request<treq::Body>| async move {
        let (parts, body) = req.into_parts();
        let body = body.collect_bytes(None).await?;
        let text = format!(
            "{} {} {}",
            parts.method,
            parts.uri,
            String::from_utf8_lossy(&body)
        );
        Ok::<_, treq::Error>(http::Response::new(http_body_util::Full::new(Bytes::from(
            text,
        ))))
    });
    let client = treq::HttpClient::new(treq::agent::ServiceAgent::new(service));
    let resp = client
        .post("http://in.memory/echo")
        .params([("q", "1")])
        .data("body")
        .await
        .unwrap();
    assert_eq!(
        resp.text().await.unwrap(),
        "POST http://in.memory/echo?q=1 body"
    );

    // Services need not be `Sync`: tower's boxed services are not.
    let boxed = tower::util::BoxCloneService::new(tower::service_fn(
        |_req: http::Request<treq::Body>| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(treq::Body::from("boxed")))
        },
    ));
    let client = treq::HttpClient::new(treq::agent::ServiceAgent::new(boxed));
    assert_eq!(
        client
            .get("http://in.memory/")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "boxed"
    );

    // A service error surfaces as a treq error.
    let failing = tower::service_fn(|_req: http::Request<treq::Body>| async {
        Err::<http::Response<treq::Body>, _>(std::io::Error::other("service down"))
    });
    let err = treq::HttpClient::new(treq::agent::ServiceAgent::new(failing))
        .get("http://in.memory/")
        .await
        .unwrap_err();
    assert!(err.is_request(), "{err:?}");
    assert!(std::error::Error::source(&err)
        .unwrap()
        .to_string()
        .contains("service down"));
}
