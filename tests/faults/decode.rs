//! Fault scenarios: decode. Stacked `Content-Encoding` chains, multi-member
//! and trailing data in compressed bodies, decompression bombs, and the
//! buffered-body limit.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::io::AsyncReadExt;
use treq::error::ErrorKind;
use treq::{HttpClient, HyperAgent};

use crate::support::bounded;
use crate::support::codec::encode;
use crate::support::server::{full, RawServer, Server, ServerRequest};
use crate::support::wire;

/// The default buffered-body limit (128 MiB).
const DEFAULT_MAX_BODY_SIZE: u64 = 128 << 20;

fn client() -> HttpClient<HyperAgent> {
    HttpClient::new(HyperAgent::new())
}

/// Answers every connection with `head` (status line and headers, without
/// the blank line) and `body`, then closes.
fn raw(head: String, body: Vec<u8>) -> RawServer {
    let mut reply = head.into_bytes();
    reply.extend_from_slice(b"\r\n\r\n");
    reply.extend_from_slice(&body);
    let reply = Arc::new(reply);
    RawServer::start(move |stream| {
        let reply = Arc::clone(&reply);
        async move { wire::answer_raw(stream, &reply).await }
    })
}

/// Serves `body` with `Content-Encoding: {coding}` and its length.
fn encoded_server(coding: &'static str, body: Vec<u8>) -> Server {
    let body = Bytes::from(body);
    Server::http(move |_req: ServerRequest| {
        let body = body.clone();
        async move {
            http::Response::builder()
                .header("content-encoding", coding)
                .body(full(body))
                .unwrap()
        }
    })
}

fn assert_limit(err: &treq::Error, expected: u64) {
    assert!(
        matches!(err.kind(), ErrorKind::BodyLimitExceeded { limit } if *limit == expected),
        "expected a {expected}-byte body limit error, got {err:?}"
    );
}

/// A refusal: a decode error whose message stays short, however long the header.
fn assert_short_decode_error(err: &treq::Error) {
    assert!(err.is_decode(), "{err:?}");
    let shown = err.to_string();
    assert!(shown.len() < 200, "{} chars: {shown}", shown.len());
    assert!(shown.contains("content codings"), "{shown}");
}

#[tokio::test]
async fn ten_thousand_codings_in_one_header_are_refused() {
    bounded("ten thousand codings", async {
        let codings = vec!["gzip"; 10_000].join(", ");
        let body = encode("gzip", b"hello").await;
        let server = raw(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Encoding: {codings}\r\nContent-Length: {}",
                body.len()
            ),
            body,
        );
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.code(), 200, "the head stays readable");
        let err = resp.content().await.unwrap_err();
        assert_short_decode_error(&err);
    })
    .await;
}

#[tokio::test]
async fn codings_split_over_many_header_lines_are_counted_together() {
    bounded("codings over many lines", async {
        // 50 lines of 200 codings, and 6 lines of one: both over the cap of 5.
        let line = format!("Content-Encoding: {}", vec!["gzip"; 200].join(","));
        let many = vec![line.as_str(); 50].join("\r\n");
        let six = ["Content-Encoding: gzip"; 6].join("\r\n");
        for lines in [many, six] {
            let server = raw(
                format!("HTTP/1.1 200 OK\r\n{lines}\r\nContent-Length: 5"),
                b"hello".to_vec(),
            );
            let resp = client().get(server.url("/")).await.unwrap();
            let err = resp.content().await.unwrap_err();
            assert_short_decode_error(&err);
        }
    })
    .await;
}

#[tokio::test]
async fn five_codings_still_decode() {
    bounded("five codings", async {
        let mut body = b"five layers deep".to_vec();
        for coding in ["gzip", "br", "gzip", "zstd", "deflate"] {
            body = encode(coding, &body).await;
        }
        let server = encoded_server("gzip, br, gzip, zstd, deflate", body);
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "five layers deep");

        // The same over five header lines.
        let mut body = b"five lines".to_vec();
        for _ in 0..5 {
            body = encode("gzip", &body).await;
        }
        let lines = ["Content-Encoding: gzip"; 5].join("\r\n");
        let server = raw(
            format!(
                "HTTP/1.1 200 OK\r\n{lines}\r\nContent-Length: {}",
                body.len()
            ),
            body,
        );
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "five lines");
    })
    .await;
}

/// A gzip body of about 1 MB that expands to 1 GiB of zeros: one member of
/// 1 MiB of zeros (about 1 KB), repeated 1024 times (RFC 1952 multi-member).
async fn gzip_bomb() -> Bytes {
    let member = encode("gzip", &vec![0u8; 1 << 20]).await;
    Bytes::from(member.repeat(1024))
}

fn bomb_server(bomb: Bytes) -> Server {
    Server::http(move |_req: ServerRequest| {
        let bomb = bomb.clone();
        async move {
            http::Response::builder()
                .header("content-encoding", "gzip")
                .body(full(bomb))
                .unwrap()
        }
    })
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_the_default_body_limit() {
    bounded("gzip bomb, default limit", async {
        let bomb = gzip_bomb().await;
        assert!(bomb.len() < 2 << 20, "{} bytes on the wire", bomb.len());
        let server = bomb_server(bomb);
        let resp = client().get(server.url("/")).await.unwrap();
        let err = resp.content().await.unwrap_err();
        assert_limit(&err, DEFAULT_MAX_BODY_SIZE);
        assert!(err.is_body(), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_a_per_request_body_limit() {
    bounded("gzip bomb, request limit", async {
        let server = bomb_server(gzip_bomb().await);
        let resp = client()
            .get(server.url("/"))
            .max_body_size(Some(1 << 20))
            .await
            .unwrap();
        assert_limit(&resp.content().await.unwrap_err(), 1 << 20);

        // A client-wide limit applies the same way; the request's own wins.
        let limited = HttpClient::builder(HyperAgent::new())
            .max_body_size(Some(2 << 20))
            .build();
        let resp = limited.get(server.url("/")).await.unwrap();
        assert_limit(&resp.text().await.unwrap_err(), 2 << 20);
        let resp = limited
            .get(server.url("/"))
            .max_body_size(Some(3 << 20))
            .await
            .unwrap();
        assert_limit(&resp.content().await.unwrap_err(), 3 << 20);
    })
    .await;
}

#[tokio::test]
async fn a_content_length_over_the_limit_fails_before_reading() {
    bounded("content-length over the limit", async {
        // The server declares the body and never sends it: only a check of
        // the declared length can answer before the test's timeout.
        let silent = |declared: u64| {
            RawServer::start(move |mut stream| async move {
                use tokio::io::AsyncWriteExt;
                wire::read_head(&mut stream).await;
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\n\r\n");
                let _ = stream.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(60)).await;
            })
        };
        let server = silent(DEFAULT_MAX_BODY_SIZE + 1);
        let resp = client().get(server.url("/")).await.unwrap();
        let err = tokio::time::timeout(Duration::from_secs(5), resp.content())
            .await
            .expect("the declared length alone decides")
            .unwrap_err();
        assert_limit(&err, DEFAULT_MAX_BODY_SIZE);
        assert!(err.to_string().contains("Content-Length"), "{err}");

        let server = silent(2_000_000);
        for unbuffered in [false, true] {
            let resp = client()
                .get(server.url("/"))
                .max_body_size(Some(1_000_000))
                .unbuffered(unbuffered)
                .await
                .unwrap();
            let err = tokio::time::timeout(Duration::from_secs(5), resp.content())
                .await
                .expect("the declared length alone decides")
                .unwrap_err();
            assert_limit(&err, 1_000_000);
        }

        // `collect` on a buffered response keeps the body: limited too.
        let resp = client()
            .get(server.url("/"))
            .max_body_size(Some(1_000_000))
            .await
            .unwrap();
        let err = tokio::time::timeout(Duration::from_secs(5), resp.collect(drop))
            .await
            .expect("the declared length alone decides")
            .unwrap_err();
        assert_limit(&err, 1_000_000);
    })
    .await;
}

/// Serves `total` bytes of `x`, chunked (no Content-Length), in 64 KiB chunks.
fn chunked_server(total: usize) -> Server {
    Server::http(move |_req: ServerRequest| async move {
        let chunk = Bytes::from(vec![b'x'; 64 << 10]);
        let frames = (0..total / chunk.len())
            .map(move |_| Ok::<_, std::io::Error>(http_body::Frame::data(chunk.clone())));
        let body = http_body_util::StreamBody::new(futures_util::stream::iter(frames));
        http::Response::builder().body(body.boxed()).unwrap()
    })
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_fails_while_reading() {
    bounded("chunked over the limit", async {
        let server = chunked_server(4 << 20);
        let resp = client()
            .get(server.url("/"))
            .max_body_size(Some(1 << 20))
            .await
            .unwrap();
        assert_eq!(resp.length(), None);
        assert_limit(&resp.content().await.unwrap_err(), 1 << 20);

        let mut seen = 0usize;
        let resp = client()
            .get(server.url("/"))
            .max_body_size(Some(1 << 20))
            .await
            .unwrap();
        let err = resp.collect(|c| seen += c.len()).await.unwrap_err();
        assert_limit(&err, 1 << 20);
        assert!(seen <= 1 << 20, "{seen}");

        // At the limit exactly, the body is read.
        let resp = client()
            .get(server.url("/"))
            .max_body_size(Some(4 << 20))
            .await
            .unwrap();
        assert_eq!(resp.content().await.unwrap().len(), 4 << 20);
    })
    .await;
}

#[tokio::test]
async fn unbuffered_streaming_is_not_limited() {
    bounded("unbuffered streaming", async {
        let server = chunked_server(4 << 20);
        let tiny = HttpClient::builder(HyperAgent::new())
            .max_body_size(Some(1024))
            .build();
        let resp = tiny.get(server.url("/")).unbuffered(true).await.unwrap();
        let mut seen = 0usize;
        resp.collect(|c| seen += c.len()).await.unwrap();
        assert_eq!(seen, 4 << 20);

        // Nor is a compressed one beyond the body limit (the decompression
        // limit still applies to it).
        let body = encode("gzip", &vec![b'z'; 4 << 20]).await;
        let server = encoded_server("gzip", body);
        let resp = tiny.get(server.url("/")).unbuffered(true).await.unwrap();
        let mut seen = 0usize;
        resp.collect(|c| seen += c.len()).await.unwrap();
        assert_eq!(seen, 4 << 20);
    })
    .await;
}

#[tokio::test]
async fn every_gzip_member_is_decoded() {
    bounded("multi-member gzip", async {
        let mut body = encode("gzip", b"first member, ").await;
        body.extend(encode("gzip", b"second member").await);
        let server = encoded_server("gzip", body);
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "first member, second member");
    })
    .await;
}

#[tokio::test]
async fn every_zstd_frame_is_decoded() {
    bounded("multi-frame zstd", async {
        let mut body = encode("zstd", b"frame one, ").await;
        body.extend(encode("zstd", b"frame two").await);
        let server = encoded_server("zstd", body);
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "frame one, frame two");
    })
    .await;
}

/// A zstd frame whose header asks for a `window_log` window.
async fn zstd_with_window(window_log: u32, data: &[u8]) -> Vec<u8> {
    use async_compression::zstd::CParameter;
    let mut out = Vec::new();
    async_compression::tokio::bufread::ZstdEncoder::with_quality_and_params(
        data,
        async_compression::Level::Default,
        &[CParameter::window_log(window_log)],
    )
    .read_to_end(&mut out)
    .await
    .unwrap();
    out
}

#[tokio::test]
async fn a_zstd_window_over_8_mib_is_refused() {
    bounded("zstd window", async {
        // 8 MiB is what HTTP allows (RFC 9659): decoded.
        let server = encoded_server("zstd", zstd_with_window(23, b"fits").await);
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "fits");
        // 16 MiB: more than HTTP allows, though the library would take it.
        let server = encoded_server("zstd", zstd_with_window(24, b"too big").await);
        let resp = client().get(server.url("/")).await.unwrap();
        let err = resp.content().await.unwrap_err();
        assert!(err.is_decode(), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn trailing_garbage_after_any_stream_is_a_decode_error() {
    bounded("trailing garbage", async {
        for coding in ["gzip", "deflate", "raw-deflate", "br", "zstd"] {
            let mut body = encode(coding, b"the real body").await;
            body.extend_from_slice(b"GARBAGE AFTER THE END");
            let header = if coding == "raw-deflate" {
                "deflate"
            } else {
                coding
            };
            let server = encoded_server(header, body);
            let resp = client().get(server.url("/")).await.unwrap();
            let err = resp.content().await.unwrap_err();
            assert!(err.is_decode(), "{coding}: {err:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_limit_counts_the_middle_layer_of_gzip_gzip() {
    bounded("limit on an intermediate layer", async {
        // The middle layer is 10,000 empty gzip members (200 KB); the outer
        // gzip squeezes it to a few KB, and the final output is empty. Only
        // counting the middle layer's output stops the work at the limit.
        let empty = encode("gzip", b"").await;
        let middle = empty.repeat(10_000);
        let body = encode("gzip", &middle).await;
        assert!(body.len() < 16 << 10, "{} bytes", body.len());
        let server = encoded_server("gzip, gzip", body);
        let resp = client()
            .get(server.url("/"))
            .max_body_size(Some(16 << 10))
            .await
            .unwrap();
        assert_limit(&resp.content().await.unwrap_err(), 16 << 10);

        // Without the limit, it is simply empty.
        let resp = client()
            .get(server.url("/"))
            .max_body_size(None)
            .await
            .unwrap();
        assert_eq!(resp.content().await.unwrap(), "");
    })
    .await;
}
