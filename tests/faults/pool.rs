//! Fault scenarios: the connection pool. A dead keep-alive connection is
//! replayed on only when that is safe, HTTP/2 streams the server never
//! processed are sent again, cancelled requests free their connections, and
//! the per-host cap bounds the sockets.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::bounded;
use crate::support::server::RawServer;
use crate::support::wire::read_head;

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// The request lines a raw server has read, in order.
#[derive(Clone, Debug, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn push(&self, head: &[u8]) {
        let text = String::from_utf8_lossy(head);
        if let Some(line) = text.lines().next().filter(|l| !l.is_empty()) {
            self.0.lock().unwrap().push(line.to_owned());
        }
    }

    /// How many request lines start with `prefix` (e.g. `"GET /x "`).
    fn count(&self, prefix: &str) -> usize {
        let lines = self.0.lock().unwrap();
        lines.iter().filter(|l| l.starts_with(prefix)).count()
    }
}

/// Open and most-ever-open connections of a server.
#[derive(Clone, Debug, Default)]
struct Gauge {
    open: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Gauge {
    fn enter(&self) -> Open {
        let now = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        Open(self.open.clone())
    }
    fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
    fn most(&self) -> usize {
        self.most.load(Ordering::SeqCst)
    }
}

/// Reads and discards until the client closes the connection.
async fn wait_for_close(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Waits (briefly) for the process's open files to fall back to `baseline`
/// plus a little slack for tests running alongside, and returns the count.
async fn fds_settle_near(baseline: usize) -> usize {
    const SLACK: usize = 16;
    for _ in 0..100 {
        if open_fds() <= baseline + SLACK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let now = open_fds();
    assert!(
        now <= baseline + SLACK,
        "{now} files open, {baseline} before: sockets leaked"
    );
    now
}

/// A client that keeps one connection per host, so the second request is
/// sure to go out on the first one's (now pooled) connection.
fn one_connection_client() -> treq::HttpClient<treq::HyperAgent> {
    let agent = treq::HyperAgent::builder()
        .max_connections_per_host(1)
        .build()
        .unwrap();
    treq::HttpClient::new(agent)
}

/// Answers the first request of each connection (keep-alive), then reads the
/// next request and closes the connection without answering it: the server
/// timed the idle connection out just as the request went out.
fn answers_once_per_connection() -> (RawServer, Seen) {
    let seen = Seen::default();
    let log = seen.clone();
    let server = RawServer::start(move |mut stream| {
        let log = log.clone();
        async move {
            let head = read_head(&mut stream).await;
            log.push(&head);
            if head.is_empty() || stream.write_all(OK).await.is_err() {
                return;
            }
            log.push(&read_head(&mut stream).await);
        }
    });
    (server, seen)
}

#[tokio::test]
async fn a_get_on_a_stale_pooled_connection_is_replayed_once() {
    bounded("stale pooled GET", async {
        let (server, seen) = answers_once_per_connection();
        let client = one_connection_client();
        let warm = client.get(server.url("/warm")).await.unwrap();
        assert_eq!(warm.text().await.unwrap(), "ok");
        let resp = client.get(server.url("/again")).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), "ok");
        assert_eq!(
            seen.count("GET /again "),
            2,
            "dead connection, then a new one"
        );
        assert_eq!(server.accepted(), 2);
    })
    .await
}

#[tokio::test]
async fn a_post_on_a_stale_pooled_connection_is_not_replayed() {
    bounded("stale pooled POST", async {
        let (server, seen) = answers_once_per_connection();
        let client = one_connection_client();
        let warm = client.get(server.url("/warm")).await.unwrap();
        assert_eq!(warm.text().await.unwrap(), "ok");
        let err = client
            .post(server.url("/order"))
            .data("buy one")
            .await
            .unwrap_err();
        assert!(err.is_request(), "{err:?}");
        assert_eq!(seen.count("POST /order "), 1, "{seen:?}");
        assert_eq!(server.accepted(), 1, "no second connection for a replay");
    })
    .await
}

#[tokio::test]
async fn a_new_connection_closed_without_an_answer_is_not_replayed() {
    bounded("fresh connection closed", async {
        let seen = Seen::default();
        let log = seen.clone();
        let server = RawServer::start(move |mut stream| {
            let log = log.clone();
            async move { log.push(&read_head(&mut stream).await) }
        });
        let client = treq::HttpClient::new(treq::HyperAgent::new());
        let attempts = [
            ("GET /get ", client.get(server.url("/get"))),
            ("PUT /put ", client.put(server.url("/put")).data("x")),
            ("DELETE /delete ", client.delete(server.url("/delete"))),
        ];
        for (n, (line, request)) in attempts.into_iter().enumerate() {
            let err = request.await.unwrap_err();
            assert!(err.is_request(), "{err:?}");
            assert_eq!(seen.count(line), 1, "{line}: {seen:?}");
            assert_eq!(server.accepted(), n + 1, "{line}: sent once");
        }
    })
    .await
}

#[tokio::test]
async fn an_idle_connection_the_server_timed_out_is_replaced() {
    bounded("idle close", async {
        // Keep-alive timeout of 100 ms: an idle connection is closed.
        let server = RawServer::start(|mut stream| async move {
            loop {
                let next = tokio::time::timeout(Duration::from_millis(100), read_head(&mut stream));
                match next.await {
                    Ok(head) if !head.is_empty() => {
                        if stream.write_all(OK).await.is_err() {
                            return;
                        }
                    }
                    _ => return,
                }
            }
        });
        let client = treq::HttpClient::new(treq::HyperAgent::new());
        let first = client.get(server.url("/1")).await.unwrap();
        assert_eq!(first.text().await.unwrap(), "ok");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let second = client.get(server.url("/2")).await.unwrap();
        assert_eq!(second.text().await.unwrap(), "ok");
        assert_eq!(server.accepted(), 2);
    })
    .await
}

/// `/slow` is never answered; `/partial` gets a head and 10 of its 1,000,000
/// body bytes; both then wait for the client to close. Anything else is
/// answered, keep-alive.
fn stalling_server(gauge: Gauge, seen: Seen) -> RawServer {
    RawServer::start(move |mut stream| {
        let open = gauge.enter();
        let seen = seen.clone();
        async move {
            let _open = open;
            loop {
                let head = read_head(&mut stream).await;
                seen.push(&head);
                if head.starts_with(b"GET /slow ") {
                    return wait_for_close(&mut stream).await;
                }
                if head.starts_with(b"GET /partial ") {
                    let partial = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n0123456789";
                    let _ = stream.write_all(partial).await;
                    return wait_for_close(&mut stream).await;
                }
                if head.is_empty() || stream.write_all(OK).await.is_err() {
                    return;
                }
            }
        }
    })
}

/// The response, failing fast if the connection slot was never freed.
async fn within_5s(request: treq::RequestBuilder<treq::HyperAgent>) -> treq::Response {
    tokio::time::timeout(Duration::from_secs(5), request)
        .await
        .expect("the only connection slot was never freed")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_requests_free_their_connection() {
    bounded("cancellation", async {
        let (gauge, seen) = (Gauge::default(), Seen::default());
        let server = stalling_server(gauge.clone(), seen.clone());
        let baseline = open_fds();
        // With one connection allowed, a request that kept its connection
        // after being dropped would block every later one.
        let client = one_connection_client();
        for round in 1..=10 {
            let mut slow = Box::pin(client.get(server.url("/slow")).send());
            tokio::select! {
                res = &mut slow => panic!("/slow was answered: {res:?}"),
                () = async {
                    while seen.count("GET /slow ") < round {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                } => {}
            }
            drop(slow);

            let partial = within_5s(client.get(server.url("/partial"))).await;
            let mut body = partial.bytes_stream().unwrap();
            let first = futures_util::StreamExt::next(&mut body).await;
            assert!(matches!(first, Some(Ok(_))), "{first:?}");
            drop(body);

            let fast = within_5s(client.get(server.url("/fast"))).await;
            assert_eq!(fast.text().await.unwrap(), "ok");
        }
        // At most the one pooled connection is left open.
        for _ in 0..100 {
            if gauge.open() <= 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(gauge.open() <= 1, "{} connections still open", gauge.open());
        drop(client);
        fds_settle_near(baseline).await;
    })
    .await
}

/// A keep-alive HTTP/1.1 server (hyper) that counts its open connections.
fn counting_server(gauge: Gauge) -> RawServer {
    RawServer::start(move |stream| {
        let open = gauge.enter();
        async move {
            let _open = open;
            let service = hyper::service::service_fn(|_req| async {
                Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(
                    bytes::Bytes::from_static(b"ok"),
                )))
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_host_cap_bounds_sockets_under_2000_concurrent_requests() {
    bounded("2,000 requests, 50 connections", async {
        const CAP: usize = 50;
        let gauge = Gauge::default();
        let server = counting_server(gauge.clone());
        let baseline = open_fds();
        let agent = treq::HyperAgent::builder()
            .max_connections_per_host(CAP)
            .build()
            .unwrap();
        let client = treq::HttpClient::new(agent);
        let tasks: Vec<_> = (0..2000)
            .map(|i| {
                let client = client.clone();
                let url = server.url(&format!("/{i}"));
                tokio::spawn(async move { client.get(url).await?.text().await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "ok");
        }
        assert!(gauge.most() <= CAP, "{} connections at once", gauge.most());
        assert!(
            server.accepted() <= CAP,
            "{} connections",
            server.accepted()
        );
        drop(client);
        fds_settle_near(baseline).await;
        // The server's side closes once it reads each end of file.
        for _ in 0..100 {
            if gauge.open() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(gauge.open(), 0, "the server saw every connection close");
    })
    .await
}

/// Just enough HTTP/2 framing (RFC 9113 §4) for a scripted server: the
/// request header blocks are never decoded, only their stream ids matter.
mod h2_frames {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    pub(super) const DATA: u8 = 0;
    pub(super) const HEADERS: u8 = 1;
    pub(super) const RST_STREAM: u8 = 3;
    pub(super) const SETTINGS: u8 = 4;
    pub(super) const PING: u8 = 6;
    pub(super) const GOAWAY: u8 = 7;
    pub(super) const ACK: u8 = 0x1;
    pub(super) const END_STREAM: u8 = 0x1;
    pub(super) const END_HEADERS: u8 = 0x4;
    pub(super) const REFUSED_STREAM: u32 = 0x7;

    pub(super) struct Frame {
        pub(super) kind: u8,
        pub(super) flags: u8,
        pub(super) stream: u32,
        pub(super) payload: Vec<u8>,
    }

    pub(super) fn encode(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len() as u32;
        let mut out = len.to_be_bytes()[1..].to_vec();
        out.extend([kind, flags]);
        out.extend(stream.to_be_bytes());
        out.extend(payload);
        out
    }

    /// Reads the client preface and sends an empty SETTINGS frame.
    pub(super) async fn accept(stream: &mut TcpStream) -> bool {
        let mut preface = [0u8; 24];
        stream.read_exact(&mut preface).await.is_ok()
            && &preface == b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
            && stream.write_all(&encode(SETTINGS, 0, 0, &[])).await.is_ok()
    }

    /// The next frame; SETTINGS and PING are acknowledged on the way.
    pub(super) async fn next(stream: &mut TcpStream) -> Option<Frame> {
        loop {
            let mut head = [0u8; 9];
            stream.read_exact(&mut head).await.ok()?;
            let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
            let mut payload = vec![0u8; len];
            stream.read_exact(&mut payload).await.ok()?;
            let frame = Frame {
                kind: head[3],
                flags: head[4],
                stream: u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff,
                payload,
            };
            let ack = match frame.kind {
                SETTINGS if frame.flags & ACK == 0 => encode(SETTINGS, ACK, 0, &[]),
                PING if frame.flags & ACK == 0 => encode(PING, ACK, 0, &frame.payload),
                _ => return Some(frame),
            };
            stream.write_all(&ack).await.ok()?;
        }
    }

    /// `200` with body `ok`: `0x88` is `:status: 200` from the HPACK static table.
    pub(super) fn ok(stream: u32) -> Vec<u8> {
        let mut out = encode(HEADERS, END_HEADERS, stream, &[0x88]);
        out.extend(encode(DATA, END_STREAM, stream, b"ok"));
        out
    }

    pub(super) fn go_away(last_stream: u32) -> Vec<u8> {
        let mut payload = last_stream.to_be_bytes().to_vec();
        payload.extend(0u32.to_be_bytes()); // NO_ERROR
        encode(GOAWAY, 0, 0, &payload)
    }

    pub(super) fn refuse(stream: u32) -> Vec<u8> {
        encode(RST_STREAM, 0, stream, &REFUSED_STREAM.to_be_bytes())
    }
}

#[derive(Debug, Default)]
struct StreamCounts {
    answered: AtomicUsize,
    above_last: AtomicUsize,
}

/// An HTTP/2 server (prior knowledge) that answers `per_connection` streams
/// on each connection, then, with more streams of the client in flight,
/// sends GOAWAY (NO_ERROR) naming the last stream it answered and closes the
/// connection, as nginx does after `keepalive_requests`.
fn go_away_server(per_connection: usize, counts: Arc<StreamCounts>) -> RawServer {
    use h2_frames::*;
    RawServer::start(move |mut stream| {
        let counts = counts.clone();
        async move {
            if !accept(&mut stream).await {
                return;
            }
            let (mut answered, mut last) = (0, 0);
            let mut deadline = None;
            loop {
                let frame = match deadline {
                    None => next(&mut stream).await,
                    // Gather streams above the last one for a moment first.
                    Some(at) => match tokio::time::timeout_at(at, next(&mut stream)).await {
                        Ok(frame) => frame,
                        Err(_) => break,
                    },
                };
                let Some(frame) = frame else { return };
                if frame.kind != HEADERS {
                    continue;
                }
                if answered == per_connection {
                    counts.above_last.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                if stream.write_all(&ok(frame.stream)).await.is_err() {
                    return;
                }
                counts.answered.fetch_add(1, Ordering::SeqCst);
                answered += 1;
                if answered == per_connection {
                    last = frame.stream;
                    deadline = Some(tokio::time::Instant::now() + Duration::from_millis(50));
                }
            }
            if stream.write_all(&go_away(last)).await.is_err() {
                return;
            }
            let _ = stream.shutdown().await;
            // Read until the client closes: closing with unread bytes would
            // reset the connection under the frames just sent.
            let drain = async {
                while let Some(frame) = next(&mut stream).await {
                    if frame.kind == HEADERS {
                        counts.above_last.fetch_add(1, Ordering::SeqCst);
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(5), drain).await;
        }
    })
}

fn h2_client() -> treq::HttpClient<treq::HyperAgent> {
    let agent = treq::HyperAgent::builder().http2_only().build().unwrap();
    treq::HttpClient::new(agent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_above_a_goaway_are_sent_again_on_a_new_connection() {
    bounded("GOAWAY with 200 streams in flight", async {
        let counts = Arc::new(StreamCounts::default());
        let server = go_away_server(50, counts.clone());
        let client = h2_client();
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let client = client.clone();
                let url = server.url(&format!("/{i}"));
                tokio::spawn(async move {
                    // Unprocessed streams are safe to resend whatever the method.
                    let request = if i % 2 == 0 {
                        client.get(url)
                    } else {
                        client.post(url).data("in memory")
                    };
                    request.await?.text().await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "ok");
        }
        assert_eq!(
            counts.answered.load(Ordering::SeqCst),
            200,
            "each processed once"
        );
        assert!(
            counts.above_last.load(Ordering::SeqCst) > 0,
            "no stream was in flight above the GOAWAY's last stream id"
        );
        assert!(server.accepted() >= 4, "{} connections", server.accepted());
    })
    .await
}

#[tokio::test]
async fn a_server_refusing_every_stream_gets_a_typed_error_after_bounded_retries() {
    bounded("REFUSED_STREAM forever", async {
        use h2_frames::*;
        let refused = Arc::new(AtomicUsize::new(0));
        let count = refused.clone();
        let server = RawServer::start(move |mut stream| {
            let count = count.clone();
            async move {
                if !accept(&mut stream).await {
                    return;
                }
                while let Some(frame) = next(&mut stream).await {
                    if frame.kind == HEADERS {
                        count.fetch_add(1, Ordering::SeqCst);
                        if stream.write_all(&refuse(frame.stream)).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let client = h2_client();
        let err = client
            .post(server.url("/"))
            .data("in memory")
            .await
            .unwrap_err();
        assert!(err.is_request(), "{err:?}");
        assert!(err.to_string().contains("did not process"), "{err}");
        assert_eq!(
            refused.load(Ordering::SeqCst),
            4,
            "the first try and 3 more"
        );

        // A streamed body cannot be sent again: one try.
        let body = treq::Body::wrap_stream(futures_util::stream::iter([Ok::<_, std::io::Error>(
            bytes::Bytes::from("once"),
        )]));
        let err = client.put(server.url("/")).data(body).await.unwrap_err();
        assert!(err.is_request(), "{err:?}");
        assert_eq!(refused.load(Ordering::SeqCst), 5);
    })
    .await
}
