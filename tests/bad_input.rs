//! No panic on any input: bad URLs, methods and headers are builder errors;
//! a server that answers garbage, closes early or drops the connection
//! mid-body gives a typed error, never a short body.

mod support;

use support::server::RawServer;
use support::wire::{answer_raw, read_head};
use tokio::io::AsyncWriteExt;

fn client() -> treq::HttpClient<treq::HyperAgent> {
    treq::HttpClient::new(treq::HyperAgent::new())
}

#[tokio::test]
async fn bad_urls_are_builder_errors() {
    let client = client();
    for url in [
        "",
        "   ",
        "not a url",
        "http://",
        "http://exa mple.com/",
        "http://[::1/",
        "http://example.com:99999/",
        "mailto:someone@example.com",
        "file:///etc/passwd",
        "data:text/plain,hi",
    ] {
        let err = client.get(url).await.unwrap_err();
        assert!(err.is_builder(), "{url:?}: {err:?}");
    }
}

#[tokio::test]
async fn unsupported_schemes_are_named_in_the_error() {
    let err = client().get("ftp://127.0.0.1/file").await.unwrap_err();
    assert!(err.is_builder(), "{err:?}");
    assert!(err.to_string().contains("ftp"), "{err}");
    assert_eq!(err.url().unwrap().scheme(), "ftp");
    let err = treq::get("ws://127.0.0.1/").await.unwrap_err();
    assert!(err.is_builder(), "{err:?}");
}

#[tokio::test]
async fn bad_methods_are_builder_errors() {
    for method in ["", "GE T", "GET\r\n", "caf\u{e9}", "(GET)"] {
        let err = client()
            .request(method, "http://127.0.0.1/")
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{method:?}: {err:?}");
        assert!(err.to_string().contains("method"), "{err}");
        assert_eq!(err.url().map(|u| u.as_str()), Some("http://127.0.0.1/"));
    }
}

#[tokio::test]
async fn bad_header_names_and_values_are_builder_errors() {
    let url = "http://127.0.0.1:9/";
    let client = client();
    for value in ["a\r\nInjected: yes", "a\nb", "a\rb", "a\0b"] {
        let err = client.get(url).header("X-Evil", value).await.unwrap_err();
        assert!(err.is_builder(), "{value:?}: {err:?}");
        assert!(err.to_string().contains("x-evil"), "{err}");
        let err = client
            .get(url)
            .headers([("X-Evil", vec!["ok", value])])
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{value:?}: {err:?}");
    }
    for name in ["", "Bad Name", "Bad:Name", "X-\u{e9}", "X-Line\r\n"] {
        let err = client.get(url).header(name, "v").await.unwrap_err();
        assert!(err.is_builder(), "{name:?}: {err:?}");
    }
    // The first error is kept even if later options are fine.
    let err = client
        .get(url)
        .header("Bad Name", "v")
        .header("X-Good", "v")
        .params([("a", "b")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Bad Name"), "{err}");
}

#[tokio::test]
async fn the_client_builder_reports_bad_default_headers() {
    let err = treq::HttpClient::builder(treq::HyperAgent::new())
        .default_headers([("X-Evil", "a\r\nb")])
        .try_build()
        .unwrap_err();
    assert!(err.is_builder(), "{err:?}");
}

#[tokio::test]
async fn a_client_built_with_a_bad_option_fails_every_request_instead_of_dropping_it() {
    let client = treq::HttpClient::builder(treq::HyperAgent::new())
        .default_headers([("X-Evil", "a\r\nb")])
        .build();
    // No server is needed: the request fails before anything is sent.
    let err = client.get("http://127.0.0.1:9/").await.unwrap_err();
    assert!(err.is_builder(), "{err:?}");
    assert!(err.to_string().contains("invalid client option"), "{err}");
    assert!(err.to_string().contains("x-evil"), "{err}");
}

/// A server that answers every request with `reply` and closes.
fn answering(reply: &'static [u8]) -> RawServer {
    RawServer::start(move |stream| answer_raw(stream, reply))
}

#[tokio::test]
async fn malformed_responses_are_request_errors() {
    let cases: [(&str, &'static [u8]); 7] = [
        ("invalid status line", b"HTTP/1.1 abc Nope\r\n\r\n"),
        (
            "status out of range",
            b"HTTP/1.1 99 Low\r\nContent-Length: 0\r\n\r\n",
        ),
        ("not HTTP at all", b"SSH-2.0-OpenSSH_9.6\r\n"),
        ("binary garbage", b"\x00\xff\xfe\x13\x37garbage\r\n\r\n"),
        (
            "invalid header line",
            b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        ),
        (
            "invalid header name",
            b"HTTP/1.1 200 OK\r\nBad Name: v\r\nContent-Length: 0\r\n\r\n",
        ),
        (
            "bad content length",
            b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\nabc",
        ),
    ];
    for (what, reply) in cases {
        let server = answering(reply);
        let err = client().get(server.url("/")).await.unwrap_err();
        assert!(err.is_request(), "{what}: {err:?}");
        assert!(!err.is_timeout() && !err.is_connect(), "{what}: {err:?}");
    }
}

#[tokio::test]
async fn closing_before_answering_is_a_request_error() {
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        drop(stream);
    });
    let err = client().get(server.url("/")).await.unwrap_err();
    assert!(err.is_request(), "{err:?}");

    // Closing before even reading the request.
    let server = RawServer::start(|stream| async move { drop(stream) });
    let err = client().post(server.url("/")).data("x").await.unwrap_err();
    assert!(err.is_request(), "{err:?}");
}

#[tokio::test]
async fn a_short_content_length_body_is_a_body_error() {
    let server = answering(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
    let resp = client().get(server.url("/")).await.unwrap();
    assert_eq!(resp.length(), Some(100));
    let err = resp.content().await.unwrap_err();
    assert!(err.is_body(), "{err:?}");
    assert!(
        resp.text().await.unwrap_err().is_body(),
        "the failure is kept"
    );

    // Streamed: the chunks that arrived are delivered, then the error.
    let resp = client()
        .get(server.url("/"))
        .unbuffered(true)
        .await
        .unwrap();
    let mut seen = Vec::new();
    let err = resp
        .collect(|c| seen.extend_from_slice(&c))
        .await
        .unwrap_err();
    assert!(err.is_body(), "{err:?}");
    assert_eq!(seen, b"only this");
}

#[tokio::test]
async fn a_truncated_chunked_body_is_a_body_error() {
    // A complete first chunk, half of a second, and no terminating chunk.
    let server = answering(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nshort",
    );
    let resp = client().get(server.url("/")).await.unwrap();
    assert_eq!(resp.length(), None);
    let err = resp.content().await.unwrap_err();
    assert!(err.is_body(), "{err:?}");

    // Chunks cut off cleanly between two chunks, without the final `0`.
    let server = answering(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    let err = client()
        .get(server.url("/"))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await;
    assert!(err.unwrap_err().is_body());
}

#[tokio::test]
async fn an_invalid_chunk_size_is_a_body_error() {
    let server =
        answering(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    let resp = client().get(server.url("/")).await.unwrap();
    assert!(resp.content().await.unwrap_err().is_body());
}

#[tokio::test]
async fn a_body_that_runs_long_is_cut_at_content_length() {
    // HTTP/1.1 framing: bytes past Content-Length are not part of the body.
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabcdef")
            .await;
    });
    let resp = client().get(server.url("/")).await.unwrap();
    assert_eq!(resp.content().await.unwrap(), "abc");
}

#[tokio::test]
async fn undecodable_text_and_json_are_decode_errors() {
    let server = answering(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\n\xff\xfe");
    let resp = client().get(server.url("/")).await.unwrap();
    assert!(resp.text().await.unwrap_err().is_decode());
    assert!(resp
        .json::<serde_json::Value>()
        .await
        .unwrap_err()
        .is_decode());
    assert_eq!(resp.content().await.unwrap().as_ref(), b"\xff\xfe");
    let server = answering(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=no-such\r\nContent-Length: 1\r\n\r\na");
    let resp = client().get(server.url("/")).await.unwrap();
    assert!(resp.text().await.unwrap_err().is_decode());
}

#[tokio::test]
async fn unserializable_json_is_a_builder_error() {
    let mut map = std::collections::HashMap::new();
    map.insert((1, 2), "tuple keys are not JSON object keys");
    let err = client()
        .post("http://127.0.0.1:9/")
        .json(&map)
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err:?}");
    assert!(err.to_string().contains("JSON"), "{err}");
}

#[tokio::test]
async fn a_sized_stream_that_ends_early_or_runs_long_fails_the_request() {
    let rec = support::record::Recorder::start();
    for (declared, parts) in [
        (20u64, vec!["only ", "twelve"]),
        (3, vec!["far ", "too long"]),
    ] {
        let stream = futures_util::stream::iter(
            parts
                .into_iter()
                .map(|p| Ok::<_, std::io::Error>(bytes::Bytes::from(p))),
        );
        let result = client()
            .post(rec.url("/"))
            .data(treq::Body::sized_stream(stream, declared))
            .timeout(std::time::Duration::from_secs(5))
            .await;
        match result {
            Ok(_) => panic!(
                "declared {declared}: server got {:?} with content-length {:?}",
                rec.last().body,
                rec.last().header("content-length")
            ),
            Err(err) => assert!(err.is_request(), "declared {declared}: {err:?}"),
        }
    }
}

#[tokio::test]
async fn oversized_response_heads_are_request_errors() {
    // Far more header lines than any client accepts.
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        let mut head = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..2000 {
            head.push_str(&format!("X-Header-{i}: v\r\n"));
        }
        head.push_str("Content-Length: 0\r\n\r\n");
        let _ = stream.write_all(head.as_bytes()).await;
    });
    let err = client().get(server.url("/")).await.unwrap_err();
    assert!(err.is_request(), "{err:?}");

    // One header line that never ends.
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nX-Long: ").await;
        let filler = vec![b'a'; 64 * 1024];
        for _ in 0..64 {
            if stream.write_all(&filler).await.is_err() {
                return;
            }
        }
    });
    let err = client().get(server.url("/")).await.unwrap_err();
    assert!(err.is_request(), "{err:?}");
}
