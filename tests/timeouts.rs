//! One deadline from send to the last body byte: it fires while the server
//! withholds the headers and while it trickles the body, and stays quiet when
//! the response is fast. The read timeout beside it: set on the client or per
//! request, reported apart from the deadline. Each test waits ~1 s at most.

mod support;

use std::time::{Duration, Instant};

use support::server::{reply, RawServer, Server};
use support::wire::read_head;
use tokio::io::AsyncWriteExt;

const DEADLINE: Duration = Duration::from_millis(200);
/// Far above the deadline, so a timeout that did not fire cannot pass as one.
const NEVER: Duration = Duration::from_secs(30);

fn client() -> treq::HttpClient<treq::HyperAgent> {
    treq::HttpClient::new(treq::HyperAgent::new())
}

/// Accepts, reads the request, then says nothing for a long time.
fn silent_server() -> RawServer {
    RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        tokio::time::sleep(NEVER).await;
    })
}

/// Sends the head at once, then one body byte every 50 ms.
fn trickling_server(head: &'static str) -> RawServer {
    RawServer::start(move |mut stream| async move {
        read_head(&mut stream).await;
        stream.write_all(head.as_bytes()).await.unwrap();
        for _ in 0..400 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let chunk: &[u8] = if head.contains("chunked") {
                b"1\r\nx\r\n"
            } else {
                b"x"
            };
            if stream.write_all(chunk).await.is_err() {
                return;
            }
        }
    })
}

fn assert_timed_out(err: &treq::Error, started: Instant) {
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        matches!(err.kind(), treq::error::ErrorKind::Timeout),
        "{err:?}"
    );
    let elapsed = started.elapsed();
    assert!(elapsed >= DEADLINE, "fired early: {elapsed:?}");
    assert!(elapsed < NEVER / 2, "fired late: {elapsed:?}");
}

#[tokio::test]
async fn fires_while_the_server_withholds_the_headers() {
    let server = silent_server();
    let started = Instant::now();
    let err = client()
        .get(server.url("/slow"))
        .timeout(DEADLINE)
        .await
        .unwrap_err();
    assert_timed_out(&err, started);
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(err.url().unwrap().path(), "/slow");
}

#[tokio::test]
async fn client_wide_timeout_applies_and_a_request_may_override_it() {
    let server = silent_server();
    let client = treq::HttpClient::builder(treq::HyperAgent::new())
        .timeout(DEADLINE)
        .build();
    let started = Instant::now();
    let err = client.get(server.url("/")).await.unwrap_err();
    assert_timed_out(&err, started);

    let started = Instant::now();
    let err = client
        .get(server.url("/"))
        .timeout(DEADLINE * 2)
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert!(started.elapsed() >= DEADLINE * 2);

    // Zero turns the client's deadline off for this request (as in treq):
    // only the read timeout given here ends it.
    let started = Instant::now();
    let err = client
        .get(server.url("/"))
        .timeout(Duration::ZERO)
        .read_timeout(DEADLINE * 3)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no data"), "{err}");
    assert!(started.elapsed() >= DEADLINE * 3);
}

#[tokio::test]
async fn fires_while_the_body_trickles_with_content_length() {
    let server = trickling_server("HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n");
    let started = Instant::now();
    let resp = client()
        .get(server.url("/"))
        .timeout(DEADLINE)
        .await
        .unwrap();
    assert_eq!(resp.code(), 200, "the head arrives before the deadline");
    assert_eq!(resp.length(), Some(400));
    let err = resp.content().await.unwrap_err();
    assert_timed_out(&err, started);
    // The failure is remembered for later reads of the buffered body.
    assert!(resp.text().await.unwrap_err().is_timeout());
}

#[tokio::test]
async fn fires_while_a_chunked_body_trickles_into_collect() {
    let server = trickling_server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    let started = Instant::now();
    let resp = client()
        .get(server.url("/"))
        .timeout(DEADLINE)
        .unbuffered(true)
        .await
        .unwrap();
    let mut received = 0;
    let err = resp
        .collect(|chunk| received += chunk.len())
        .await
        .unwrap_err();
    assert_timed_out(&err, started);
    assert!(
        received < 400,
        "the whole body cannot have arrived: {received}"
    );
}

#[tokio::test]
async fn does_not_fire_when_the_response_is_fast() {
    let server = Server::http(|_| async { reply(200, "quick") });
    let client = client();
    let resp = client.get(server.url("/")).timeout(DEADLINE).await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "quick");
    // Past the deadline, the buffered body is still there.
    tokio::time::sleep(DEADLINE + Duration::from_millis(50)).await;
    assert_eq!(resp.text().await.unwrap(), "quick");
    // A zero timeout means no deadline at all (as in treq).
    let resp = client
        .get(server.url("/"))
        .timeout(Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "quick");
}

#[tokio::test]
async fn huge_timeouts_are_accepted() {
    let server = Server::http(|_| async { reply(200, "patient") });
    let agent = treq::HyperAgent::builder()
        .connect_timeout(Duration::MAX)
        .pool_idle_timeout(Duration::MAX)
        .build()
        .unwrap();
    let client = treq::HttpClient::builder(agent)
        .timeout(Duration::MAX)
        .build();
    for _ in 0..2 {
        let resp = client
            .get(server.url("/"))
            .timeout(Duration::MAX)
            .await
            .unwrap();
        assert_eq!(resp.text().await.unwrap(), "patient");
    }
}

/// A listener whose accept queue is full: Linux drops further SYNs, so a
/// connect attempt hangs until the client gives up. Returns `None` (and the
/// test is skipped) where the OS refuses instead.
async fn unconnectable() -> Option<(std::net::SocketAddr, Vec<tokio::net::TcpStream>)> {
    let socket = tokio::net::TcpSocket::new_v4().ok()?;
    socket.bind("127.0.0.1:0".parse().unwrap()).ok()?;
    let listener = socket.listen(1).ok()?;
    let addr = listener.local_addr().ok()?;
    let mut held = Vec::new();
    for _ in 0..16 {
        let attempt = tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(addr),
        );
        match attempt.await {
            Ok(Ok(stream)) => held.push(stream),
            Ok(Err(_)) => return None,
            // The queue is full: connects now hang. Keep the listener alive.
            Err(_elapsed) => {
                std::mem::forget(listener);
                return Some((addr, held));
            }
        }
    }
    None
}

#[tokio::test]
async fn a_connect_timeout_is_a_connect_and_timeout_error() {
    let Some((addr, _held)) = unconnectable().await else {
        eprintln!("skipping: this OS does not leave connects hanging on a full accept queue");
        return;
    };
    let agent = treq::HyperAgent::builder()
        .connect_timeout(DEADLINE)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = treq::HttpClient::new(agent)
        .get(format!("http://{addr}/"))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < NEVER / 2);
}

fn read_timeout_client(limit: Duration) -> treq::HttpClient<treq::HyperAgent> {
    treq::HttpClient::builder(treq::HyperAgent::new())
        .read_timeout(limit)
        .build()
}

#[tokio::test]
async fn the_error_says_which_timeout_fired() {
    // A steady body (a byte per 50 ms) never trips a 2 s read timeout: the
    // 200 ms deadline fires first.
    let server = trickling_server("HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n");
    let resp = read_timeout_client(Duration::from_secs(2))
        .get(server.url("/"))
        .timeout(DEADLINE)
        .await
        .unwrap();
    let err = resp.content().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.to_string().contains("200ms timeout"), "{err}");
    assert!(!err.to_string().contains("no data"), "{err}");

    // A silent server trips the 200 ms read timeout before a 30 s deadline.
    let server = silent_server();
    let started = Instant::now();
    let err = read_timeout_client(DEADLINE)
        .get(server.url("/"))
        .timeout(NEVER)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        matches!(err.kind(), treq::error::ErrorKind::Timeout),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "read timed out: no data from the server for 200ms (read_timeout) for url ({})",
            server.url("/")
        )
    );
    assert!(started.elapsed() < NEVER / 2);
}

#[tokio::test]
async fn a_requests_read_timeout_replaces_the_clients_and_zero_turns_it_off() {
    let server = silent_server();
    let client = read_timeout_client(DEADLINE);

    let started = Instant::now();
    let err = client.get(server.url("/")).await.unwrap_err();
    assert!(err.to_string().contains("no data"), "{err}");
    assert!(started.elapsed() < DEADLINE * 2, "{:?}", started.elapsed());

    let started = Instant::now();
    let err = client
        .get(server.url("/"))
        .read_timeout(DEADLINE * 2)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("for 400ms"), "{err}");
    assert!(started.elapsed() >= DEADLINE * 2, "{:?}", started.elapsed());

    // Zero: no read timeout for this request; only its deadline ends it.
    let started = Instant::now();
    let err = client
        .get(server.url("/"))
        .read_timeout(Duration::ZERO)
        .timeout(DEADLINE * 3)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("600ms timeout"), "{err}");
    assert!(started.elapsed() >= DEADLINE * 3, "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_streamed_upload_longer_than_the_read_timeout_is_not_cut_off() {
    // The server answers once the whole body is in: 8 chunks 50 ms apart.
    let server = Server::http(|req| async move { reply(200, req.body) });
    let chunks = futures_util::stream::unfold(0, |n| async move {
        if n == 8 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        Some((Ok::<_, std::io::Error>(bytes::Bytes::from("ab")), n + 1))
    });
    let started = Instant::now();
    let resp = read_timeout_client(Duration::from_millis(150))
        .post(server.url("/"))
        .data(treq::Body::wrap_stream(chunks))
        .await
        .unwrap();
    assert!(started.elapsed() > Duration::from_millis(300));
    assert_eq!(resp.text().await.unwrap(), "ab".repeat(8));
}
