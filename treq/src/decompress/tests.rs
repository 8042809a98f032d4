//! Unit tests of the decompression layer against a spy agent.

use super::*;
use crate::agent::spy::Spy;
use crate::agent::Agent;
use tokio::io::AsyncReadExt;

/// The shared spy, answering every request with `reply()`.
fn spy(reply: impl Fn() -> http::Response<Body> + Send + Sync + 'static) -> (Arc<Spy>, Arc<Spy>) {
    let spy = Spy::new(move |_| reply());
    (Arc::clone(&spy), spy)
}

/// Reads `resp`'s body whole: it must fail at a body limit, which is returned.
async fn limit_hit(resp: http::Response<Body>) -> u64 {
    let err = resp.into_body().collect_bytes(None).await.unwrap_err();
    match err.kind() {
        ErrorKind::BodyLimitExceeded { limit } => *limit,
        _ => panic!("not a body limit: {err:?}"),
    }
}

fn encoded(encoding: &str, body: Vec<u8>) -> http::Response<Body> {
    http::Response::builder()
        .header(CONTENT_ENCODING, encoding)
        .header(CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap()
}

async fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    async_compression::tokio::bufread::GzipEncoder::new(data)
        .read_to_end(&mut out)
        .await
        .unwrap();
    out
}

#[test]
fn accept_encoding_lists_the_enabled_codecs_after_the_callers() {
    let (agent, seen) = spy(|| http::Response::new(Body::empty()));
    let agent = DecompressAgent::new(agent);
    let mut req = http::Request::new(Body::empty());
    req.headers_mut()
        .insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
    drop(agent.request(req));
    let seen = seen.seen();
    let values: Vec<_> = seen[0].headers.get_all(ACCEPT_ENCODING).iter().collect();
    assert_eq!(values, ["identity", "gzip, deflate, br, zstd"]);
}

#[tokio::test]
async fn gzip_is_decoded_and_headers_fixed() {
    let body = gzip(b"hello world").await;
    let (agent, _) = spy(move || encoded("gzip", body.clone()));
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert!(!resp.headers().contains_key(CONTENT_ENCODING));
    assert!(!resp.headers().contains_key(CONTENT_LENGTH));
    assert_eq!(resp.body().content_length(), None);
    let bytes = resp.into_body().collect_bytes(None).await.unwrap();
    assert_eq!(bytes, "hello world");
}

#[tokio::test]
async fn unknown_coding_stops_the_walk_and_stays_in_the_header() {
    let body = gzip(b"inner").await;
    let raw = body.clone();
    let (agent, _) = spy(move || encoded("compress, gzip", body.clone()));
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(resp.headers()[CONTENT_ENCODING], "compress");
    let bytes = resp.into_body().collect_bytes(None).await.unwrap();
    assert_eq!(bytes, "inner");

    let (agent, _) = spy(move || encoded("gzip, compress", raw.clone()));
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(resp.headers()[CONTENT_ENCODING], "gzip, compress");
    assert!(resp.headers().contains_key(CONTENT_LENGTH));
}

#[tokio::test]
async fn head_and_no_content_are_untouched() {
    let (agent, _) = spy(|| {
        http::Response::builder()
            .header(CONTENT_ENCODING, "gzip")
            .body(Body::from("not gzip"))
            .unwrap()
    });
    let agent = DecompressAgent::new(agent);
    let mut req = http::Request::new(Body::empty());
    *req.method_mut() = Method::HEAD;
    let resp = agent.request(req).await.unwrap();
    assert_eq!(resp.headers()[CONTENT_ENCODING], "gzip");

    let (agent, _) = spy(|| {
        http::Response::builder()
            .status(304)
            .header(CONTENT_ENCODING, "gzip")
            .body(Body::from("x"))
            .unwrap()
    });
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(resp.headers()[CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn empty_stream_with_an_encoding_is_an_empty_body() {
    let (agent, _) = spy(|| {
        let stream = futures_util::stream::empty::<Result<Bytes, io::Error>>();
        http::Response::builder()
            .header(CONTENT_ENCODING, "gzip")
            .body(Body::wrap_stream(stream))
            .unwrap()
    });
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(resp.into_body().collect_bytes(None).await.unwrap(), "");
}

#[tokio::test]
async fn corrupt_data_is_a_decode_error_and_the_limit_is_enforced() {
    let (agent, _) = spy(|| encoded("gzip", b"definitely not gzip".to_vec()));
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    let err = resp.into_body().collect_bytes(None).await.unwrap_err();
    assert!(err.is_decode(), "{err:?}");

    let body = gzip(&[0u8; 100_000]).await;
    let (agent, _) = spy(move || encoded("gzip", body.clone()));
    let resp = DecompressAgent::with_limit(agent, Some(1000))
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(limit_hit(resp).await, 1000);
}

#[tokio::test]
async fn transport_errors_stay_transport_errors() {
    let (agent, _) = spy(|| {
        let stream = futures_util::stream::iter(vec![
            Ok(Bytes::from_static(&[0x1f, 0x8b])),
            Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset")),
        ]);
        http::Response::builder()
            .header(CONTENT_ENCODING, "gzip")
            .body(Body::wrap_stream(stream))
            .unwrap()
    });
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    let err = resp.into_body().collect_bytes(None).await.unwrap_err();
    assert!(err.is_body() && !err.is_decode(), "{err:?}");
}

fn refused_message(err: &Error) -> String {
    assert!(err.is_decode(), "{err:?}");
    err.to_string()
}

#[tokio::test]
async fn more_than_five_codings_are_refused_over_all_lines() {
    let five = {
        let mut body = b"deep".to_vec();
        for _ in 0..5 {
            body = gzip(&body).await;
        }
        body
    };
    // 10,000 lines of one coding each (no transport limit in the way here).
    let (agent, _) = spy(|| {
        let mut builder = http::Response::builder();
        for _ in 0..10_000 {
            builder = builder.header(CONTENT_ENCODING, "gzip");
        }
        builder.body(Body::from("hello")).unwrap()
    });
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(
        resp.headers().get_all(CONTENT_ENCODING).iter().count(),
        10_000
    );
    let err = resp.into_body().collect_bytes(None).await.unwrap_err();
    let message = refused_message(&err);
    assert!(
        message.len() < 200 && message.contains("10000"),
        "{message}"
    );

    // Six codings, identity aside, are one too many; five decode.
    let (agent, _) = spy(|| encoded("gzip, identity, gzip, gzip, gzip, gzip, gzip", vec![1]));
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    refused_message(&resp.into_body().collect_bytes(None).await.unwrap_err());
    let (agent, _) = spy(move || encoded("gzip, identity, gzip,gzip, gzip, gzip", five.clone()));
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(resp.into_body().collect_bytes(None).await.unwrap(), "deep");
}

#[tokio::test]
async fn gzip_members_are_all_decoded_and_trailing_bytes_refused() {
    let mut two = gzip(b"one ").await;
    two.extend(gzip(b"two").await);
    let (agent, _) = spy(move || encoded("gzip", two.clone()));
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(
        resp.into_body().collect_bytes(None).await.unwrap(),
        "one two"
    );

    let mut trailing = gzip(b"body").await;
    trailing.push(0);
    let (agent, _) = spy(move || encoded("gzip", trailing.clone()));
    let resp = DecompressAgent::new(agent)
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    let err = resp.into_body().collect_bytes(None).await.unwrap_err();
    assert!(err.is_decode(), "{err:?}");
}

#[tokio::test]
async fn a_request_limit_tightens_the_agent_limit_and_stays_with_us() {
    let body = gzip(&[0u8; 10_000]).await;
    let (agent, seen) = spy(move || encoded("gzip", body.clone()));
    let agent = DecompressAgent::new(agent);
    let mut req = http::Request::new(Body::empty());
    req.extensions_mut().insert(RequestLimit(Some(100)));
    let resp = agent.request(req).await.unwrap();
    assert_eq!(limit_hit(resp).await, 100);
    assert!(seen.seen()[0].extensions.get::<RequestLimit>().is_none());

    // The smaller of the two wins.
    let body = gzip(&[0u8; 10_000]).await;
    let (inner, _) = spy(move || encoded("gzip", body.clone()));
    let mut req = http::Request::new(Body::empty());
    req.extensions_mut().insert(RequestLimit(Some(100)));
    let resp = DecompressAgent::with_limit(inner, Some(10))
        .request(req)
        .await
        .unwrap();
    assert_eq!(limit_hit(resp).await, 10);
}

#[tokio::test]
async fn the_client_body_limit_applies_unless_the_request_has_its_own() {
    let decoded_past = |limit| {
        let limited = move |req: http::Request<Body>| async move {
            let body = gzip(&[0u8; 10_000]).await;
            let (inner, _) = spy(move || encoded("gzip", body.clone()));
            let agent = DecompressAgent::with_limit(inner, None).body_limit(Some(100));
            let resp = agent.request(req).await.unwrap();
            resp.into_body().collect_bytes(None).await
        };
        let mut req = http::Request::new(Body::empty());
        if let Some(own) = limit {
            req.extensions_mut().insert(RequestLimit(own));
        }
        limited(req)
    };
    // The client's limit, without a request's own.
    let err = decoded_past(None).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::BodyLimitExceeded { limit: 100 }),
        "{err:?}"
    );
    // A request's own limit, larger or none (an unbuffered read), wins.
    assert_eq!(
        decoded_past(Some(Some(20_000))).await.unwrap().len(),
        10_000
    );
    assert_eq!(decoded_past(Some(None)).await.unwrap().len(), 10_000);
}

#[cfg(feature = "deflate")]
#[test]
fn zlib_header_detection() {
    assert!(looks_like_zlib(&[0x78, 0x9c]));
    assert!(looks_like_zlib(&[0x78, 0x01]));
    assert!(!looks_like_zlib(&[0xcb, 0x48])); // raw deflate of "hello"
    assert!(!looks_like_zlib(&[0x78, 0x00]));
}

/// A body of `head` then `filler` repeated `times`, counting what is read of it.
fn counted_stream(
    encoding: &'static str,
    head: Vec<u8>,
    filler: Vec<u8>,
    times: usize,
    pulled: Arc<AtomicU64>,
) -> http::Response<Body> {
    let chunks = std::iter::once(head)
        .chain(std::iter::repeat_n(filler, times))
        .map(move |chunk| {
            pulled.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            Ok::<_, io::Error>(Bytes::from(chunk))
        });
    http::Response::builder()
        .header(CONTENT_ENCODING, encoding)
        .body(Body::wrap_stream(futures_util::stream::iter(chunks)))
        .unwrap()
}

#[tokio::test]
async fn input_that_decodes_to_nothing_counts_against_the_limit() {
    const LIMIT: u64 = 1 << 20;
    const FILLER: usize = 64 * 1024;
    // A gzip header whose file name never ends, and zstd skippable frames
    // (magic 0x184D2A50, then the frame's length): no output, ever.
    let gzip_name = (
        vec![0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3],
        vec![b'a'; FILLER],
    );
    let mut skippable = vec![0x50, 0x2a, 0x4d, 0x18];
    skippable.extend_from_slice(&(FILLER as u32 - 8).to_le_bytes());
    skippable.resize(FILLER, 0);
    let zstd_skips = (skippable.clone(), skippable);
    for (encoding, (head, filler)) in [("gzip", gzip_name), ("zstd", zstd_skips)] {
        let pulled = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&pulled);
        let (agent, _) = spy(move || {
            counted_stream(
                encoding,
                head.clone(),
                filler.clone(),
                128,
                Arc::clone(&seen),
            )
        });
        let resp = DecompressAgent::with_limit(agent, Some(LIMIT))
            .request(http::Request::new(Body::empty()))
            .await
            .unwrap();
        let err = resp.into_body().collect_bytes(None).await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::BodyLimitExceeded { limit: LIMIT }),
            "{encoding}: {err:?}"
        );
        assert!(err.to_string().contains("compressed"), "{err}");
        // Stopped at the cap on the input (8 MiB were on offer), give or
        // take the chunk that crossed it.
        let read = pulled.load(Ordering::Relaxed);
        assert!(
            read <= input_cap(LIMIT) + FILLER as u64,
            "{encoding}: read {read}"
        );
    }
}

#[tokio::test]
async fn incompressible_content_at_the_limit_still_decodes() {
    // Pseudo-random bytes: gzip makes them a little larger, not smaller.
    let mut state = 0x2545_f491_u32;
    let content: Vec<u8> = (0..256 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    let body = gzip(&content).await;
    assert!(body.len() > content.len());
    let (agent, _) = spy(move || encoded("gzip", body.clone()));
    let resp = DecompressAgent::with_limit(agent, Some(content.len() as u64))
        .request(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(resp.into_body().collect_bytes(None).await.unwrap(), content);
}
