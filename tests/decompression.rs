//! Decompression over loopback: every codec, stacked and unknown codings,
//! corrupt data, the decompressed-size and body limits, and what must stay
//! untouched.

mod support;

use bytes::Bytes;
use http_body_util::BodyExt;
use support::codec::encode;
use support::server::{full, reply, Server, ServerRequest, ServerResponse};
use treq::error::ErrorKind;
use treq::{HttpClient, HyperAgent};

const TEXT: &str = "Hello, decompressed world! Hello, decompressed world!";

fn encoded(content_encoding: &str, body: Vec<u8>) -> ServerResponse {
    http::Response::builder()
        .header("content-encoding", content_encoding)
        .body(full(body))
        .unwrap()
}

/// Serves `/<codings>` (comma separated, in the order applied) with TEXT
/// encoded that way; `raw-deflate` is sent as `deflate`.
fn codec_server() -> Server {
    Server::http(|req: ServerRequest| async move {
        let accept = req.header_all("accept-encoding").join(" | ");
        let codings = req.uri.path().trim_start_matches('/').to_owned();
        let mut body = TEXT.as_bytes().to_vec();
        for coding in codings.split(',').filter(|c| !c.is_empty()) {
            body = encode(coding, &body).await;
        }
        let header = codings.replace("raw-deflate", "deflate").replace(',', ", ");
        let mut resp = encoded(&header, body);
        resp.headers_mut()
            .insert("x-accept-encoding", accept.parse().unwrap());
        resp
    })
}

fn client() -> HttpClient<HyperAgent> {
    HttpClient::new(HyperAgent::new())
}

#[tokio::test]
async fn each_codec_is_decoded_and_the_headers_fixed() {
    let server = codec_server();
    for coding in ["gzip", "deflate", "raw-deflate", "br", "zstd"] {
        let resp = client()
            .get(server.url(&format!("/{coding}")))
            .await
            .unwrap();
        assert_eq!(resp.code(), 200);
        assert_eq!(
            resp.headers()["x-accept-encoding"],
            "gzip, deflate, br, zstd"
        );
        assert!(resp.headers().get("content-encoding").is_none(), "{coding}");
        assert!(resp.headers().get("content-length").is_none(), "{coding}");
        assert_eq!(resp.length(), None, "{coding}");
        assert_eq!(resp.text().await.unwrap(), TEXT, "{coding}");
    }
}

// A caller's Accept-Encoding stays, ours is appended (as treq does).
#[tokio::test]
async fn accept_encoding_is_appended_to_the_callers() {
    let server = codec_server();
    let resp = client()
        .get(server.url("/gzip"))
        .header("Accept-Encoding", "identity")
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["x-accept-encoding"],
        "identity | gzip, deflate, br, zstd"
    );
    let sent = resp.request().unwrap().headers();
    assert_eq!(sent.get_all("accept-encoding").iter().count(), 2);
}

#[tokio::test]
async fn stacked_encodings_are_decoded_in_reverse_order() {
    let server = codec_server();
    for path in ["/gzip,br", "/br,gzip", "/deflate,zstd,gzip"] {
        let resp = client().get(server.url(path)).await.unwrap();
        assert!(resp.headers().get("content-encoding").is_none(), "{path}");
        assert_eq!(resp.text().await.unwrap(), TEXT, "{path}");
    }
}

#[tokio::test]
async fn unknown_codings_are_left_as_is() {
    let gz = encode("gzip", TEXT.as_bytes()).await;
    let server = Server::http(move |req: ServerRequest| {
        let gz = gz.clone();
        async move {
            match req.uri.path() {
                "/compress" => encoded("compress", b"raw bytes".to_vec()),
                // Outer coding unknown: nothing can be decoded.
                "/gzip-then-unknown" => encoded("gzip, x-custom", gz),
                // Inner coding unknown: the outer gzip is decoded, the rest kept.
                "/unknown-then-gzip" => encoded("x-custom, gzip", gz),
                "/identity" => encoded("identity", b"plain".to_vec()),
                _ => reply(200, "plain, no header"),
            }
        }
    });
    let c = client();
    let resp = c.get(server.url("/compress")).await.unwrap();
    assert_eq!(resp.headers()["content-encoding"], "compress");
    assert_eq!(resp.length(), Some(9));
    assert_eq!(resp.content().await.unwrap(), "raw bytes");

    let resp = c.get(server.url("/gzip-then-unknown")).await.unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip, x-custom");
    assert_ne!(resp.content().await.unwrap(), TEXT);

    let resp = c.get(server.url("/unknown-then-gzip")).await.unwrap();
    assert_eq!(resp.headers()["content-encoding"], "x-custom");
    assert_eq!(resp.text().await.unwrap(), TEXT);

    let resp = c.get(server.url("/identity")).await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "plain");

    // No Content-Encoding: none is invented (unlike Twisted's empty header).
    let resp = c.get(server.url("/none")).await.unwrap();
    assert!(resp.headers().get("content-encoding").is_none());
    assert_eq!(resp.length(), Some(16));
}

#[tokio::test]
async fn corrupt_data_is_a_decode_error() {
    let mut truncated = encode("gzip", TEXT.as_bytes()).await;
    truncated.truncate(truncated.len() / 2);
    let server = Server::http(move |req: ServerRequest| {
        let truncated = truncated.clone();
        async move {
            match req.uri.path() {
                "/garbage" => encoded("br", b"this is not brotli at all".to_vec()),
                _ => encoded("gzip", truncated),
            }
        }
    });
    for path in ["/garbage", "/truncated"] {
        let resp = client().get(server.url(path)).await.unwrap();
        let err = resp.content().await.unwrap_err();
        assert!(err.is_decode(), "{path}: {err:?}");
        assert!(err.to_string().contains("Content-Encoding"), "{err}");
    }
}

#[tokio::test]
async fn head_204_304_and_empty_bodies_are_untouched() {
    let server = Server::http(|req: ServerRequest| async move {
        let status: u16 = req.uri.path()[1..].parse().unwrap_or(200);
        let mut resp = reply(status, "");
        resp.headers_mut()
            .insert("content-encoding", "gzip".parse().unwrap());
        resp
    });
    let c = client();
    let head = c.head(server.url("/200")).await.unwrap();
    assert_eq!(head.headers()["content-encoding"], "gzip");
    assert_eq!(head.content().await.unwrap(), "");
    for path in ["/204", "/304", "/200"] {
        let resp = c.get(server.url(path)).await.unwrap();
        assert_eq!(resp.headers()["content-encoding"], "gzip", "{path}");
        assert_eq!(resp.content().await.unwrap(), "", "{path}");
    }
}

/// 10 MiB of zeros, gzipped (about 10 KiB on the wire), sent in small chunks.
async fn bomb_server() -> Server {
    let bomb = Bytes::from(encode("gzip", &vec![0u8; 10 << 20]).await);
    Server::http(move |_req: ServerRequest| {
        let bomb = bomb.clone();
        async move {
            let chunks: Vec<Result<http_body::Frame<Bytes>, std::io::Error>> = bomb
                .chunks(1024)
                .map(|c| Ok(http_body::Frame::data(Bytes::copy_from_slice(c))))
                .collect();
            let body = http_body_util::StreamBody::new(futures_util::stream::iter(chunks));
            http::Response::builder()
                .header("content-encoding", "gzip")
                .body(body.boxed())
                .unwrap()
        }
    })
}

/// Reads `url` whole with `client`: it must fail at a body limit (at
/// `limit` when given).
async fn read_past_the_limit(
    client: &HttpClient<HyperAgent>,
    url: String,
    limit: Option<u64>,
) -> treq::Error {
    let err = client.get(url).await.unwrap().content().await.unwrap_err();
    match err.kind() {
        ErrorKind::BodyLimitExceeded { limit: hit } => {
            assert!(limit.is_none_or(|limit| *hit == limit), "{err:?}");
        }
        _ => panic!("not a body limit: {err:?}"),
    }
    err
}

#[tokio::test]
async fn a_decompression_bomb_hits_the_limit_while_streaming() {
    let server = bomb_server().await;
    let limited = HttpClient::builder(HyperAgent::new())
        .max_decompressed_size(Some(1 << 20))
        .build();
    let err = read_past_the_limit(&limited, server.url("/"), Some(1 << 20)).await;
    assert!(err.is_body());

    // Streaming: the chunks delivered before the error stay under the limit.
    let mut seen = 0u64;
    let err = limited
        .get(server.url("/"))
        .unbuffered(true)
        .await
        .unwrap()
        .collect(|chunk| seen += chunk.len() as u64)
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::BodyLimitExceeded { .. }),
        "{err:?}"
    );
    assert!(seen <= 1 << 20, "{seen}");

    // The default limit (1 GiB) lets it through; so does no limit.
    let body = client()
        .get(server.url("/"))
        .await
        .unwrap()
        .content()
        .await
        .unwrap();
    assert_eq!(body.len(), 10 << 20);
    let unlimited = HttpClient::builder(HyperAgent::new())
        .max_decompressed_size(None)
        .build();
    let body = unlimited
        .get(server.url("/"))
        .await
        .unwrap()
        .content()
        .await
        .unwrap();
    assert!(body.iter().all(|b| *b == 0) && body.len() == 10 << 20);
}

/// A gzip body whose header's file name never ends: endless input, no
/// output. The body limit bounds the compressed input too, so the read
/// ends (with the limit's error) instead of downloading for ever.
#[tokio::test]
async fn endless_input_that_decodes_to_nothing_stops_at_the_body_limit() {
    let server = Server::http(|_req: ServerRequest| async {
        let head = Bytes::from_static(&[0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]);
        let name = Bytes::from(vec![b'a'; 64 * 1024]);
        let frames = std::iter::once(head)
            .chain(std::iter::repeat(name))
            .map(|chunk| Ok::<_, std::io::Error>(http_body::Frame::data(chunk)));
        let body = http_body_util::StreamBody::new(futures_util::stream::iter(frames));
        http::Response::builder()
            .header("content-encoding", "gzip")
            .body(body.boxed())
            .unwrap()
    });
    let limited = HttpClient::builder(HyperAgent::new())
        .max_body_size(Some(1 << 20))
        .build();
    let err = support::bounded(
        "reading endless gzip input",
        read_past_the_limit(&limited, server.url("/"), Some(1 << 20)),
    )
    .await;
    assert!(err.to_string().contains("compressed"), "{err}");
}

#[tokio::test]
async fn limit_is_inclusive() {
    let server = codec_server();
    let exact = HttpClient::builder(HyperAgent::new())
        .max_decompressed_size(Some(TEXT.len() as u64))
        .build();
    assert_eq!(
        exact
            .get(server.url("/gzip"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        TEXT
    );
    let short = HttpClient::builder(HyperAgent::new())
        .max_decompressed_size(Some(TEXT.len() as u64 - 1))
        .build();
    let err = short
        .get(server.url("/zstd"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::BodyLimitExceeded { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn buffered_reads_stop_at_the_smaller_of_the_body_and_decompression_limits() {
    let server = bomb_server().await;
    let body_limited = HttpClient::builder(HyperAgent::new())
        .max_body_size(Some(1 << 20))
        .build();
    read_past_the_limit(&body_limited, server.url("/"), Some(1 << 20)).await;
    // Streaming the same response unbuffered: the body limit does not apply.
    let mut seen = 0u64;
    body_limited
        .get(server.url("/"))
        .unbuffered(true)
        .await
        .unwrap()
        .collect(|chunk| seen += chunk.len() as u64)
        .await
        .unwrap();
    assert_eq!(seen, 10 << 20);

    let decompression_limited = HttpClient::builder(HyperAgent::new())
        .max_body_size(Some(8 << 20))
        .max_decompressed_size(Some(2 << 20))
        .build();
    read_past_the_limit(&decompression_limited, server.url("/"), Some(2 << 20)).await;
}
