//! Fault scenarios: servers that withhold, trickle or never finish what they
//! send. `read_timeout` bounds every wait for the server (head and body, each
//! piece of data starting the count again); the bodies the client drains by
//! itself (redirects, digest 401s) are bounded too, and the chain goes on over
//! a new connection. Times are short (read timeout 300 ms) to keep the suite fast.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::bounded;
use crate::support::server::{reply, RawServer, Server};
use crate::support::wire::read_head;

const READ: Duration = Duration::from_millis(300);
/// Longer than `READ`: a server pausing this long between bytes is too slow.
const SLOW: Duration = Duration::from_millis(500);
/// Well under `READ`: a server sending a byte this often is slow but alive.
const STEADY: Duration = Duration::from_millis(60);
/// How long the servers below keep going before giving up on their own: far
/// past every bound asserted, so a test without the limits fails instead of
/// passing by luck.
const GIVE_UP_AFTER: Duration = Duration::from_secs(8);

fn client() -> treq::HttpClient<treq::HyperAgent> {
    treq::HttpClient::builder(treq::HyperAgent::new())
        .read_timeout(READ)
        .build()
}

/// The read timeout fired, after `READ` and within a small multiple of it.
fn assert_read_timeout(err: &treq::Error, started: Instant) {
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        err.to_string()
            .contains("no data from the server for 300ms"),
        "{err}"
    );
    assert!(elapsed >= READ, "fired early: {elapsed:?}");
    assert!(elapsed < READ * 4, "fired late: {elapsed:?}");
}

/// Writes `bytes` one at a time, `gap` apart; stops when the client is gone.
async fn trickle(stream: &mut TcpStream, bytes: &[u8], gap: Duration) {
    for byte in bytes {
        tokio::time::sleep(gap).await;
        if stream.write_all(&[*byte]).await.is_err() {
            return;
        }
    }
}

/// Answers every request with `head`, then the body one byte per `gap`.
fn trickling(head: &'static str, body: &'static [u8], gap: Duration) -> RawServer {
    RawServer::start(move |mut stream| async move {
        read_head(&mut stream).await;
        if stream.write_all(head.as_bytes()).await.is_ok() {
            trickle(&mut stream, body, gap).await;
        }
    })
}

#[tokio::test]
async fn a_head_sent_a_byte_at_a_time_times_out() {
    bounded("slowloris head", async {
        const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        // Slower than the read timeout between bytes, and faster: the head as
        // a whole must arrive within it.
        for gap in [SLOW, STEADY] {
            let server = RawServer::start(move |mut stream| async move {
                read_head(&mut stream).await;
                trickle(&mut stream, HEAD, gap).await;
            });
            let started = Instant::now();
            let err = client().get(server.url("/")).await.unwrap_err();
            assert_read_timeout(&err, started);
        }
    })
    .await;
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    bounded("silent server", async {
        let server = RawServer::start(|mut stream| async move {
            read_head(&mut stream).await;
            tokio::time::sleep(GIVE_UP_AFTER).await;
        });
        let started = Instant::now();
        let err = client().get(server.url("/")).await.unwrap_err();
        assert_read_timeout(&err, started);
        assert_eq!(err.url().map(|u| u.path()), Some("/"));
    })
    .await;
}

#[tokio::test]
async fn a_body_slower_than_the_read_timeout_fails_content() {
    bounded("slow body, buffered", async {
        let server = trickling(
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
            b"0123456789",
            SLOW,
        );
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.code(), 200);
        let started = Instant::now();
        let err = resp.content().await.unwrap_err();
        assert_read_timeout(&err, started);
        // Remembered for later reads of the buffered body.
        assert!(resp.text().await.unwrap_err().is_timeout());
    })
    .await;
}

#[tokio::test]
async fn a_body_slower_than_the_read_timeout_fails_an_unbuffered_collect() {
    bounded("slow body, unbuffered", async {
        let server = trickling(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n",
            SLOW,
        );
        let resp = client()
            .get(server.url("/"))
            .unbuffered(true)
            .await
            .unwrap();
        let started = Instant::now();
        let mut received = 0;
        let err = resp
            .collect(|chunk| received += chunk.len())
            .await
            .unwrap_err();
        assert_read_timeout(&err, started);
        assert_eq!(received, 0, "no chunk was complete yet");
    })
    .await;
}

#[tokio::test]
async fn a_body_steadier_than_the_read_timeout_succeeds_however_long_it_takes() {
    bounded("steady body", async {
        const BODY: &[u8] = b"twelve bytes";
        let server = trickling(
            "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n",
            BODY,
            STEADY,
        );
        let started = Instant::now();
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.content().await.unwrap(), BODY);
        // 12 gaps: over two read timeouts in all, never one of silence.
        assert!(started.elapsed() > READ * 2, "{:?}", started.elapsed());

        // The same, streamed.
        let resp = client()
            .get(server.url("/"))
            .unbuffered(true)
            .await
            .unwrap();
        let mut body = Vec::new();
        resp.collect(|chunk| body.extend_from_slice(&chunk))
            .await
            .unwrap();
        assert_eq!(body, BODY);
    })
    .await;
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A gzip body sent a byte per `gap`.
fn trickling_gzip(gap: Duration) -> RawServer {
    let body = gzip(b"hello hello hello");
    RawServer::start(move |mut stream| {
        let body = body.clone();
        async move {
            read_head(&mut stream).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if stream.write_all(head.as_bytes()).await.is_ok() {
                trickle(&mut stream, &body, gap).await;
            }
        }
    })
}

#[tokio::test]
async fn the_read_timeout_works_under_decompression() {
    bounded("gzip body", async {
        // About 37 compressed bytes at 20 ms: steady, so it succeeds.
        let server = trickling_gzip(Duration::from_millis(20));
        let resp = client().get(server.url("/")).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), "hello hello hello");

        let server = trickling_gzip(SLOW);
        let resp = client().get(server.url("/")).await.unwrap();
        let started = Instant::now();
        let err = resp.text().await.unwrap_err();
        assert_read_timeout(&err, started);
        assert!(!err.is_decode(), "a timeout, not corrupt data: {err:?}");
    })
    .await;
}

#[tokio::test]
async fn a_redirect_loop_is_a_redirect_error_within_the_bound() {
    bounded("redirect loop", async {
        let server = Server::http(|req| async move {
            let to = if req.uri.path() == "/a" { "/b" } else { "/a" };
            http::Response::builder()
                .status(302)
                .header("location", to)
                .body(crate::support::server::full("moved"))
                .unwrap()
        });
        let started = Instant::now();
        let err = client().get(server.url("/a")).await.unwrap_err();
        assert!(err.is_redirect(), "{err:?}");
        assert!(matches!(
            err.kind(),
            treq::error::ErrorKind::TooManyRedirects { .. }
        ));
        assert_eq!(err.history().map(<[_]>::len), Some(21));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(server.accepted(), 1, "one connection for the whole loop");
    })
    .await;
}

#[tokio::test]
async fn a_thousand_hop_chain_fails_cleanly_or_succeeds_when_allowed() {
    bounded("1000 hops", async {
        let server = Server::http(|req| async move {
            let n: u32 = req
                .uri
                .path()
                .trim_start_matches("/hop/")
                .parse()
                .unwrap_or(0);
            if n >= 1000 {
                return reply(200, "arrived");
            }
            http::Response::builder()
                .status(302)
                .header("location", format!("/hop/{}", n + 1))
                .body(crate::support::server::full(format!("hop {n}")))
                .unwrap()
        });
        let client = client();
        let err = client.get(server.url("/hop/0")).await.unwrap_err();
        assert!(err.is_redirect(), "{err:?}");
        assert_eq!(err.history().map(<[_]>::len), Some(21));

        let started = Instant::now();
        let resp = client
            .get(server.url("/hop/0"))
            .max_redirects(1000)
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(resp.text().await.unwrap(), "arrived");
        assert_eq!(resp.history().len(), 1000);
        assert_eq!(resp.history()[999].text().await.unwrap(), "hop 999");
        assert_eq!(
            server.accepted(),
            1,
            "every hop over one kept-alive connection"
        );
        assert!(took < Duration::from_secs(20), "1000 hops took {took:?}");
        eprintln!("1000 redirects followed in {took:?}");

        let err = client
            .get(server.url("/hop/0"))
            .max_redirects(999)
            .await
            .unwrap_err();
        assert_eq!(err.history().map(<[_]>::len), Some(1000));
    })
    .await;
}

/// A keep-alive server: `/end` answers `done`; any other path gets `first`'s
/// head (chosen by whether the request carries `Authorization`), then a
/// chunked body that never ends, a chunk per `STEADY`, until the client
/// closes the connection, which sets `closed`.
fn endless_first_answer(
    first: fn(&str) -> Option<&'static str>,
    closed: Arc<AtomicBool>,
) -> RawServer {
    RawServer::start(move |mut stream| {
        let closed = Arc::clone(&closed);
        async move {
            loop {
                let head = read_head(&mut stream).await;
                if head.is_empty() {
                    return;
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                match first(&head) {
                    None => {
                        let done = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone";
                        if stream.write_all(done).await.is_err() {
                            return;
                        }
                    }
                    Some(reply_head) => {
                        if stream.write_all(reply_head.as_bytes()).await.is_err() {
                            return;
                        }
                        let started = Instant::now();
                        while started.elapsed() < GIVE_UP_AFTER {
                            tokio::time::sleep(STEADY).await;
                            if stream.write_all(b"1\r\nx\r\n").await.is_err() {
                                closed.store(true, Ordering::SeqCst);
                                return;
                            }
                        }
                        return;
                    }
                }
            }
        }
    })
}

/// Waits (a little) for the server to see the connection closed.
async fn closed_soon(closed: &AtomicBool) -> bool {
    for _ in 0..100 {
        if closed.load(Ordering::SeqCst) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn a_redirect_whose_body_never_ends_does_not_stall_the_chain() {
    bounded("endless redirect body", async {
        let closed = Arc::new(AtomicBool::new(false));
        let server = endless_first_answer(
            |head| {
                (!head.starts_with("GET /end ")).then_some(
                    "HTTP/1.1 302 Found\r\nLocation: /end\r\nTransfer-Encoding: chunked\r\n\r\n",
                )
            },
            Arc::clone(&closed),
        );
        // The body is steady (a chunk per 60 ms), so only the drain's own
        // bound stops it: the read timeout (300 ms) here, else 1 s.
        for (client, bound) in [
            (client(), READ * 4),
            (
                treq::HttpClient::new(treq::HyperAgent::new()),
                Duration::from_secs(3),
            ),
        ] {
            closed.store(false, Ordering::SeqCst);
            let before = server.accepted();
            let started = Instant::now();
            let resp = client.get(server.url("/start")).await.unwrap();
            assert_eq!(resp.text().await.unwrap(), "done");
            assert!(started.elapsed() < bound, "{:?}", started.elapsed());
            assert_eq!(resp.history().len(), 1);
            assert_eq!(resp.history()[0].code(), 302);
            assert_eq!(resp.history()[0].content().await.unwrap(), "", "not kept");
            assert_eq!(
                server.accepted() - before,
                2,
                "the next hop went over a new connection"
            );
            assert!(
                closed_soon(&closed).await,
                "the drained connection was closed"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_digest_401_whose_body_never_ends_does_not_stall_the_retry() {
    bounded("endless 401 body", async {
        let closed = Arc::new(AtomicBool::new(false));
        let server = endless_first_answer(
            |head| {
                let authorized = head
                    .lines()
                    .any(|l| l.to_ascii_lowercase().starts_with("authorization: digest "));
                (!authorized).then_some(
                    "HTTP/1.1 401 Unauthorized\r\n\
                     WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", qop=\"auth\"\r\n\
                     Transfer-Encoding: chunked\r\n\r\n",
                )
            },
            Arc::clone(&closed),
        );
        let started = Instant::now();
        let resp = client()
            .get(server.url("/protected"))
            .auth(treq::Auth::digest("user", "pass"))
            .await
            .unwrap();
        assert_eq!(resp.code(), 200);
        assert_eq!(resp.text().await.unwrap(), "done");
        assert!(started.elapsed() < READ * 4, "{:?}", started.elapsed());
        assert_eq!(server.accepted(), 2, "the retry went over a new connection");
        assert!(
            closed_soon(&closed).await,
            "the drained connection was closed"
        );
    })
    .await;
}

#[tokio::test]
async fn a_small_redirect_body_still_leaves_its_connection_for_reuse() {
    bounded("drained redirect reuses", async {
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&hits);
        let server = Server::http(move |req| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if req.uri.path() == "/end" {
                    return reply(200, "done");
                }
                http::Response::builder()
                    .status(302)
                    .header("location", "/end")
                    .body(crate::support::server::full("see /end"))
                    .unwrap()
            }
        });
        let resp = client().get(server.url("/start")).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), "done");
        assert_eq!(resp.history()[0].text().await.unwrap(), "see /end");
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        assert_eq!(server.accepted(), 1);
    })
    .await;
}
