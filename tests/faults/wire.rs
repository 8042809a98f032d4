//! Fault scenarios on the wire: a loopback server sends exact bytes (resets,
//! short or conflicting framing, broken chunking, oversized or malformed
//! heads, 1xx and bodiless statuses followed by stray bytes) and the real
//! `HyperAgent` must give the right typed error or the right response.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

use crate::support::bounded;
use crate::support::server::{reply, RawServer, Server};
use crate::support::tls::TestPki;
use crate::support::wire::{
    answer_each, answer_raw, read_head, read_request, request_target, reset,
};

fn client() -> treq::HttpClient<treq::HyperAgent> {
    treq::HttpClient::new(treq::HyperAgent::new())
}

/// A server that answers every request with `reply` and closes.
fn answering(reply: &'static [u8]) -> RawServer {
    RawServer::start(move |stream| answer_raw(stream, reply))
}

// --- A reset (TCP RST) in the middle of the body -----------------------------

/// Sends `head_and_part`, waits until the test has the response head, then
/// resets the connection.
fn resetting_after(head_and_part: &'static [u8], head_seen: Arc<Notify>) -> RawServer {
    RawServer::start(move |mut stream| {
        let head_seen = head_seen.clone();
        async move {
            read_head(&mut stream).await;
            let _ = stream.write_all(head_and_part).await;
            head_seen.notified().await;
            reset(stream);
        }
    })
}

/// A reset after `head_and_part` fails `content()` and an unbuffered
/// `collect` with a body error; `collect` has delivered `part` first.
async fn assert_reset_is_a_body_error(head_and_part: &'static [u8], part: &[u8]) {
    let head_seen = Arc::new(Notify::new());
    let server = resetting_after(head_and_part, head_seen.clone());

    let resp = client().get(server.url("/")).await.unwrap();
    head_seen.notify_one();
    match resp.content().await {
        Ok(body) => panic!("a reset body came back as a success: {body:?}"),
        Err(err) => assert!(err.is_body(), "{err:?}"),
    }

    let resp = client()
        .get(server.url("/"))
        .unbuffered(true)
        .await
        .unwrap();
    head_seen.notify_one();
    let mut seen = Vec::new();
    let err = resp
        .collect(|chunk| seen.extend_from_slice(&chunk))
        .await
        .unwrap_err();
    assert!(err.is_body(), "{err:?}");
    assert!(
        part.starts_with(&seen),
        "collect delivered {seen:?}, not a prefix of what was sent"
    );
}

#[tokio::test]
async fn a_reset_mid_content_length_body_is_a_body_error() {
    bounded("reset mid Content-Length body", async {
        assert_reset_is_a_body_error(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial",
            b"partial",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_reset_mid_chunked_body_is_a_body_error() {
    bounded("reset mid chunked body", async {
        assert_reset_is_a_body_error(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n",
            b"partial",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_reset_mid_close_delimited_body_is_a_body_error() {
    // Without a length, only a clean close ends the body; a reset does not.
    bounded("reset mid close-delimited body", async {
        assert_reset_is_a_body_error(b"HTTP/1.1 200 OK\r\n\r\npartial", b"partial").await;
    })
    .await;
}

#[tokio::test]
async fn a_cut_gzip_body_is_a_body_error_not_a_decode_error() {
    // The transport failed, not the decoder: the error says so.
    bounded("short gzip body", async {
        let gzip = {
            use std::io::Write;
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(&b"hello world ".repeat(1000)).unwrap();
            encoder.finish().unwrap()
        };
        let mut reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            gzip.len()
        )
        .into_bytes();
        reply.extend_from_slice(&gzip[..gzip.len() / 2]);
        let server = answering(reply.leak());
        for unbuffered in [false, true] {
            let resp = client()
                .get(server.url("/"))
                .unbuffered(unbuffered)
                .await
                .unwrap();
            let err = resp.collect(|_| {}).await.unwrap_err();
            assert!(err.is_body() && !err.is_decode(), "{err:?}");
        }
    })
    .await;
}

// --- Framing: short, conflicting and doubled lengths ------------------------

#[tokio::test]
async fn a_short_content_length_body_then_close_is_a_body_error() {
    bounded("short Content-Length body", async {
        for reply in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nshort",
            b"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
        ] {
            let server = answering(reply);
            let resp = client().get(server.url("/")).await.unwrap();
            assert_eq!(resp.length(), Some(10));
            match resp.content().await {
                Ok(body) => panic!("a short body came back as a success: {body:?}"),
                Err(err) => assert!(err.is_body(), "{err:?}"),
            }
            assert!(resp.text().await.unwrap_err().is_body());
        }
    })
    .await;
}

#[tokio::test]
async fn conflicting_content_lengths_are_request_errors_never_a_guess() {
    bounded("conflicting Content-Length", async {
        // Every head below is followed by `hello!`: any guess at a length
        // would return some body instead of an error.
        for lengths in [
            &b"Content-Length: 5\r\nContent-Length: 6\r\n"[..],
            b"Content-Length: 6\r\nContent-Length: 5\r\n",
            b"Content-Length: 5, 6\r\n",
            b"Content-Length: 5,6\r\n",
            b"Content-Length: 5 6\r\n",
            b"Content-Length: +5\r\n",
            b"Content-Length: -5\r\n",
            b"Content-Length: 0x5\r\n",
            b"Content-Length: 99999999999999999999999\r\n",
            b"Content-Length: \r\n",
        ] {
            let reply: &'static [u8] = [&b"HTTP/1.1 200 OK\r\n"[..], lengths, b"\r\nhello!"]
                .concat()
                .leak();
            let server = answering(reply);
            match client().get(server.url("/")).await {
                Ok(resp) => panic!(
                    "{:?}: answered {} with body {:?}",
                    String::from_utf8_lossy(lengths),
                    resp.code(),
                    resp.content().await
                ),
                Err(err) => assert!(
                    err.is_request(),
                    "{:?}: {err:?}",
                    String::from_utf8_lossy(lengths)
                ),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn repeated_equal_content_lengths_are_one_length() {
    bounded("repeated equal Content-Length", async {
        for lengths in [
            &b"Content-Length: 5\r\nContent-Length: 5\r\n"[..],
            b"Content-Length: 5, 5\r\n",
        ] {
            let reply: &'static [u8] = [&b"HTTP/1.1 200 OK\r\n"[..], lengths, b"\r\nhello!"]
                .concat()
                .leak();
            let server = answering(reply);
            let resp = client().get(server.url("/")).await.unwrap();
            assert_eq!(resp.content().await.unwrap(), "hello");
        }
    })
    .await;
}

/// `/first` gets `first` (a response with trailing bytes that look like a
/// second response), `/second` gets `200 second`. Counts the connections.
fn first_then_second(first: &'static [u8]) -> RawServer {
    RawServer::start(move |stream| {
        answer_each(stream, move |head| match request_target(head).as_str() {
            "/first" => first.to_vec(),
            _ => b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond".to_vec(),
        })
    })
}

/// Sends `/first` then `/second` on one client: the second request must get
/// its own answer, whatever `/first` left on the connection.
async fn assert_second_request_is_not_corrupted(server: &RawServer, first_body: &str) {
    let client = client();
    let resp = client.get(server.url("/first")).await.unwrap();
    assert_eq!(resp.content().await.unwrap(), first_body);
    let resp = client.get(server.url("/second")).await.unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.content().await.unwrap(), "second");
}

/// What a response splitter puts after a message: a whole fake response.
const SMUGGLED: &str = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL";

#[tokio::test]
async fn content_length_with_chunked_uses_the_chunks_and_smuggles_nothing() {
    bounded("Content-Length with Transfer-Encoding", async {
        // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3). Read by
        // Content-Length the body would be `3\r\nabc\r\n0\r\n\r\nHT...`; read
        // by chunks it is `abc` and a fake response is left behind.
        let chunks = format!("3\r\nabc\r\n0\r\n\r\n{SMUGGLED}");
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{chunks}",
            chunks.len()
        );
        let server = first_then_second(reply.into_bytes().leak());
        assert_second_request_is_not_corrupted(&server, "abc").await;

        // The other order of the two headers.
        let reply = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n3\r\nabc\r\n0\r\n\r\n{SMUGGLED}"
        );
        let server = first_then_second(reply.into_bytes().leak());
        assert_second_request_is_not_corrupted(&server, "abc").await;
    })
    .await;
}

#[tokio::test]
async fn transfer_encoding_in_an_http10_response_is_a_request_error() {
    bounded("Transfer-Encoding in HTTP/1.0", async {
        let server = answering(
            b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        );
        let err = client().get(server.url("/")).await.unwrap_err();
        assert!(err.is_request(), "{err:?}");
    })
    .await;
}

// --- Invalid chunking ---------------------------------------------------------

#[tokio::test]
async fn invalid_chunking_is_a_body_error() {
    bounded("invalid chunking", async {
        let long_extension = format!("5;{}\r\nhello\r\n0\r\n\r\n", "x".repeat(64 * 1024));
        // Each fits alone; together they pass hyper's 16 KiB per-body budget.
        let many_extensions = format!(
            "{}0\r\n\r\n",
            "1;name-of-it=value-of-it\r\nx\r\n".repeat(4096)
        );
        let huge_trailer = format!(
            "5\r\nhello\r\n0\r\nX-Big: {}\r\n\r\n",
            "t".repeat(64 * 1024)
        );
        let many_trailers = format!("5\r\nhello\r\n0\r\n{}\r\n", "X-T: v\r\n".repeat(10_000));
        let cases: Vec<(&str, String)> = vec![
            ("bad hex size", "zz\r\nhello\r\n0\r\n\r\n".into()),
            (
                "size overflow",
                "ffffffffffffffffff\r\nhello\r\n0\r\n\r\n".into(),
            ),
            (
                "size just past u64",
                "10000000000000000\r\nhello\r\n0\r\n\r\n".into(),
            ),
            ("negative size", "-5\r\nhello\r\n0\r\n\r\n".into()),
            ("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n".into()),
            ("no CRLF after the data", "5\r\nhelloXX0\r\n\r\n".into()),
            (
                "data longer than the size",
                "3\r\nhello\r\n0\r\n\r\n".into(),
            ),
            ("no size line at all", "\r\nhello\r\n0\r\n\r\n".into()),
            (
                "newline inside an extension",
                "5;a\nb\r\nhello\r\n0\r\n\r\n".into(),
            ),
            ("a 64 KiB extension", long_extension),
            ("4096 extensions of 22 bytes", many_extensions),
            ("a 64 KiB trailer", huge_trailer),
            ("10,000 trailers", many_trailers),
        ];
        for (what, chunks) in cases {
            let reply = format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{chunks}");
            let server = answering(reply.into_bytes().leak());
            let resp = client().get(server.url("/")).await.unwrap();
            match resp.content().await {
                Ok(body) => panic!("{what}: came back as a {}-byte success", body.len()),
                Err(err) => assert!(err.is_body(), "{what}: {err:?}"),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn small_chunk_extensions_and_trailers_are_accepted() {
    bounded("valid chunk extensions", async {
        let server = answering(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1 ; q=\"x\"\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n",
        );
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "hello!");
    })
    .await;
}

// --- Huge and numerous headers ------------------------------------------------

/// A server that writes `head` (the whole reply) and counts what it wrote
/// before the client hung up.
fn writing(head: Vec<u8>, written: Arc<AtomicUsize>) -> RawServer {
    let head: &'static [u8] = head.leak();
    RawServer::start(move |mut stream| {
        let written = written.clone();
        async move {
            read_head(&mut stream).await;
            for piece in head.chunks(16 * 1024) {
                if stream.write_all(piece).await.is_err() {
                    return;
                }
                written.fetch_add(piece.len(), Ordering::SeqCst);
            }
            let _ = stream.shutdown().await;
        }
    })
}

#[tokio::test]
async fn a_one_megabyte_header_value_is_a_request_error() {
    bounded("1 MB header", async {
        let mut head = b"HTTP/1.1 200 OK\r\nX-Huge: ".to_vec();
        head.extend(std::iter::repeat_n(b'a', 1024 * 1024));
        head.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
        let written = Arc::new(AtomicUsize::new(0));
        let server = writing(head, written);
        let err = client().get(server.url("/")).await.unwrap_err();
        assert!(err.is_request(), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn ten_thousand_headers_are_a_request_error() {
    bounded("10,000 headers", async {
        let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..10_000 {
            head.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
        }
        head.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        let server = writing(head, Arc::new(AtomicUsize::new(0)));
        let err = client().get(server.url("/")).await.unwrap_err();
        assert!(err.is_request(), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn a_head_that_never_ends_is_a_request_error_with_bounded_reading() {
    bounded("endless head", async {
        // Header lines, forever (64 MiB here): the client must give up
        // after its head limit instead of buffering them.
        let written = Arc::new(AtomicUsize::new(0));
        let server = {
            let written = written.clone();
            RawServer::start(move |mut stream| {
                let written = written.clone();
                async move {
                    read_head(&mut stream).await;
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n").await;
                    let lines = b"X-Again: and again\r\n".repeat(1024);
                    for _ in 0..(64 * 1024 * 1024 / lines.len()) {
                        if stream.write_all(&lines).await.is_err() {
                            return;
                        }
                        written.fetch_add(lines.len(), Ordering::SeqCst);
                    }
                }
            })
        };
        let err = client().get(server.url("/")).await.unwrap_err();
        assert!(err.is_request(), "{err:?}");
        // What the server got into the socket before the client hung up:
        // the client's head limit plus the kernel's socket buffers.
        let sent = written.load(Ordering::SeqCst);
        assert!(
            sent < 16 * 1024 * 1024,
            "the client read {sent} bytes of head"
        );
    })
    .await;
}

#[tokio::test]
async fn malformed_header_lines_are_request_errors() {
    bounded("malformed header lines", async {
        let cases: [(&str, &'static [u8]); 6] = [
            ("obsolete line folding", b"X-A: a\r\n folded\r\n"),
            ("space before the colon", b"X-A : a\r\n"),
            ("empty name", b": no name\r\n"),
            ("NUL in a value", b"X-A: a\x00b\r\n"),
            ("bare CR in a value", b"X-A: a\rb\r\n"),
            ("no colon", b"X-A a\r\n"),
        ];
        for (what, line) in cases {
            let reply: &'static [u8] = [
                &b"HTTP/1.1 200 OK\r\n"[..],
                line,
                b"Content-Length: 2\r\n\r\nhi",
            ]
            .concat()
            .leak();
            let server = answering(reply);
            match client().get(server.url("/")).await {
                Ok(resp) => panic!("{what}: answered {} {:?}", resp.code(), resp.headers()),
                Err(err) => assert!(err.is_request(), "{what}: {err:?}"),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_huge_header_over_http2_is_a_request_error() {
    bounded("1 MB header over HTTP/2", async {
        let pki = TestPki::new(&["localhost"]);
        let server = Server::https(pki.server_config(&[b"h2"]), |_| async {
            let mut resp = reply(200, "ok");
            let huge = "a".repeat(1024 * 1024);
            resp.headers_mut().insert("x-huge", huge.parse().unwrap());
            resp
        });
        let agent = treq::HyperAgent::builder()
            .root_store(treq::agent::RootStore::None)
            .add_root_certificate_pem(&pki.ca_pem)
            .build()
            .unwrap();
        let err = treq::HttpClient::new(agent)
            .get(server.url_with_host("localhost", "/"))
            .await
            .unwrap_err();
        assert!(err.is_request(), "{err:?}");
    })
    .await;
}

// --- Bad status lines -----------------------------------------------------------

#[tokio::test]
async fn bad_status_lines_are_request_errors() {
    bounded("bad status lines", async {
        let cases: [(&str, &'static [u8]); 16] = [
            (
                "five-digit status",
                b"HTTP/1.1 99999 X\r\nContent-Length: 0\r\n\r\n",
            ),
            (
                "two-digit status",
                b"HTTP/1.1 99 X\r\nContent-Length: 0\r\n\r\n",
            ),
            (
                "status below 100",
                b"HTTP/1.1 099 X\r\nContent-Length: 0\r\n\r\n",
            ),
            (
                "letters for a status",
                b"HTTP/1.1 abc\r\nContent-Length: 0\r\n\r\n",
            ),
            (
                "two spaces before the status",
                b"HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n",
            ),
            (
                "unknown version",
                b"HTTP/9.9 200 OK\r\nContent-Length: 0\r\n\r\n",
            ),
            (
                "HTTP/2 over HTTP/1",
                b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
            ),
            ("not HTTP", b"ICY 200 OK\r\nContent-Length: 0\r\n\r\n"),
            ("an empty line, then close", b"\r\n"),
            ("empty lines only, then close", b"\r\n\r\n\r\n"),
            ("binary garbage", b"\x00\x01\xff\xfe\x80garbage\r\n\r\n"),
            (
                "a version without status",
                b"HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            ),
            ("a head without status line", b"Content-Length: 0\r\n\r\n"),
            ("a body without head (HTTP/0.9)", b"<html>hello</html>"),
            ("nothing, then close", b""),
            ("a 1xx, then close", b"HTTP/1.1 100 Continue\r\n\r\n"),
        ];
        for (what, reply) in cases {
            let server = answering(reply);
            match client().get(server.url("/")).await {
                Ok(resp) => panic!("{what}: answered {}", resp.code()),
                Err(err) => {
                    assert!(err.is_request(), "{what}: {err:?}");
                    assert!(!err.is_connect() && !err.is_timeout(), "{what}: {err:?}");
                }
            }
        }
    })
    .await;
}

// --- Connecting -----------------------------------------------------------------

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    bounded("connection refused", async {
        // A port that was bound, then closed: nothing listens there now.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let err = client()
            .get(format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        assert!(!err.is_tls() && !err.is_request(), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn a_host_that_does_not_resolve_is_a_connect_error() {
    bounded("unresolvable host", async {
        // `.invalid` never resolves (RFC 2606).
        let started = Instant::now();
        let err = client()
            .get("http://no-such-host.invalid/")
            .await
            .unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        assert!(!err.is_timeout(), "{err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "resolving took {:?}",
            started.elapsed()
        );
    })
    .await;
}

// --- Informational (1xx) responses ---------------------------------------------

#[tokio::test]
async fn interim_responses_are_skipped_for_the_final_one() {
    bounded("1xx before the final response", async {
        let cases: [(&str, &'static [u8]); 3] = [
            (
                "100 Continue",
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
            ),
            (
                "several 1xx",
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 199 Whatever\r\nX-Interim: yes\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
            ),
            (
                "a 1xx with a body-like Content-Length",
                b"HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
            ),
        ];
        for (what, reply) in cases {
            let server = answering(reply);
            let resp = client().get(server.url("/")).await.unwrap();
            assert_eq!(resp.code(), 200, "{what}");
            assert_eq!(resp.content().await.unwrap(), "final", "{what}");
            // Headers of interim responses do not leak into the final one.
            assert!(resp.headers().get("link").is_none(), "{what}");
            assert!(resp.headers().get("x-interim").is_none(), "{what}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_100_continue_answer_to_expect_is_followed_by_the_final_response() {
    bounded("100 Continue after Expect", async {
        let server = RawServer::start(|mut stream| async move {
            read_request(&mut stream).await;
            let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = stream
                .write_all(b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nfinal")
                .await;
            let _ = stream.shutdown().await;
        });
        let resp = client()
            .post(server.url("/"))
            .header("Expect", "100-continue")
            .data("payload")
            .await
            .unwrap();
        assert_eq!(resp.code(), 201);
        assert_eq!(resp.content().await.unwrap(), "final");
    })
    .await;
}

#[tokio::test]
async fn an_endless_stream_of_interim_responses_ends_at_the_timeout() {
    bounded("endless 1xx", async {
        let server = RawServer::start(|mut stream| async move {
            read_head(&mut stream).await;
            let interim = b"HTTP/1.1 102 Processing\r\n\r\n".repeat(64);
            while stream.write_all(&interim).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let err = client()
            .get(server.url("/"))
            .timeout(Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn an_unrequested_101_is_returned_and_its_connection_is_not_reused() {
    bounded("unsolicited 101", async {
        // Like curl, a 101 nobody asked for is taken as the final response;
        // what follows it is another protocol, so the connection is done.
        let server = first_then_second(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello",
        );
        let client = client();
        let resp = client.get(server.url("/first")).await.unwrap();
        assert_eq!(resp.code(), 101);
        assert_eq!(resp.content().await.unwrap(), "");
        let resp = client.get(server.url("/second")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "second");
        assert_eq!(server.accepted(), 2, "the upgraded connection was reused");
    })
    .await;
}

// --- Bodiless statuses followed by stray bytes --------------------------------

#[tokio::test]
async fn stray_bytes_after_204_and_304_are_not_a_body_nor_the_next_response() {
    bounded("204/304 with stray bytes", async {
        let cases: Vec<String> = vec![
            "HTTP/1.1 204 No Content\r\n\r\nstray".to_owned(),
            "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nstray".to_owned(),
            format!("HTTP/1.1 204 No Content\r\n\r\n{SMUGGLED}"),
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nstray".to_owned(),
            format!("HTTP/1.1 304 Not Modified\r\n\r\n{SMUGGLED}"),
            "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nstray\r\n0\r\n\r\n".to_owned(),
        ];
        for first in cases {
            let server = first_then_second(first.into_bytes().leak());
            assert_second_request_is_not_corrupted(&server, "").await;
        }
    })
    .await;
}

#[tokio::test]
async fn bytes_past_the_end_of_a_body_are_not_the_next_response() {
    bounded("bytes past the body", async {
        for first in [
            format!("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc{SMUGGLED}"),
            format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n{SMUGGLED}"),
        ] {
            let server = first_then_second(first.into_bytes().leak());
            assert_second_request_is_not_corrupted(&server, "abc").await;
        }
    })
    .await;
}

#[tokio::test]
async fn bytes_arriving_on_an_idle_pooled_connection_are_not_the_next_response() {
    bounded("bytes on an idle connection", async {
        // The fake response comes after the first one was read, while the
        // connection waits in the pool: it must not answer the next request.
        let server = RawServer::start(|mut stream| async move {
            loop {
                let head = read_head(&mut stream).await;
                if !head.ends_with(b"\r\n\r\n") {
                    return;
                }
                if request_target(&head) == "/first" {
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
                        .await;
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    let _ = stream.write_all(SMUGGLED.as_bytes()).await;
                } else {
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
                        .await;
                }
            }
        });
        let client = client();
        let resp = client.get(server.url("/first")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "abc");
        tokio::time::sleep(Duration::from_millis(150)).await;
        let resp = client.get(server.url("/second")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "second");
        assert_eq!(server.accepted(), 2, "the spoiled connection was reused");
    })
    .await;
}

#[tokio::test]
async fn a_head_response_with_stray_body_bytes_does_not_corrupt_the_next_request() {
    bounded("HEAD with a body", async {
        let server = RawServer::start(|stream| {
            answer_each(stream, |head| {
                if head.starts_with(b"HEAD ") {
                    format!("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray{SMUGGLED}")
                        .into_bytes()
                } else {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond".to_vec()
                }
            })
        });
        let client = client();
        let resp = client.head(server.url("/")).await.unwrap();
        assert_eq!(resp.headers()["content-length"], "5");
        assert_eq!(resp.content().await.unwrap(), "");
        let resp = client.get(server.url("/")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), "second");
    })
    .await;
}
