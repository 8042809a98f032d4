//! Keep-alive: a client reuses one pooled connection for sequential requests,
//! and `persistent(false)` closes each connection after its response.

mod support;

use support::server::{reply, Server};

fn counting_server() -> Server {
    Server::http(|req| async move { reply(200, format!("hello {}", req.uri.path())) })
}

#[tokio::test]
async fn sequential_requests_share_one_connection() {
    let server = counting_server();
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    for i in 0..100 {
        let resp = client.get(server.url(&format!("/{i}"))).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), format!("hello /{i}"));
    }
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn non_persistent_requests_open_a_connection_each() {
    let server = counting_server();
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    for i in 0..100 {
        let resp = client
            .get(server.url(&format!("/{i}")))
            .persistent(false)
            .await
            .unwrap();
        assert_eq!(resp.request().unwrap().headers()["connection"], "close");
        assert_eq!(resp.text().await.unwrap(), format!("hello /{i}"));
    }
    assert_eq!(server.accepted(), 100);
}

#[tokio::test]
async fn a_disabled_pool_opens_a_connection_per_request() {
    let server = counting_server();
    let agent = treq::HyperAgent::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let client = treq::HttpClient::new(agent);
    for _ in 0..5 {
        client
            .get(server.url("/"))
            .await
            .unwrap()
            .content()
            .await
            .unwrap();
    }
    assert_eq!(server.accepted(), 5);
}

#[tokio::test]
async fn module_level_functions_share_the_pool() {
    let server = counting_server();
    for _ in 0..10 {
        let resp = treq::get(server.url("/shared")).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), "hello /shared");
    }
    assert_eq!(server.accepted(), 1);
}

/// The module-level functions share one agent across every runtime; a pooled
/// connection whose runtime has shut down must not break later requests.
#[test]
fn module_level_functions_survive_runtime_shutdown() {
    let server = counting_server();
    for i in 0..3 {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let text = rt.block_on(async {
            let resp = treq::get(server.url(&format!("/rt{i}"))).await?;
            resp.text().await
        });
        assert_eq!(text.unwrap(), format!("hello /rt{i}"));
        drop(rt);
    }
}

/// A server that closes every connection after one response without saying
/// so (`Connection: close` absent): the client must not fail the next request
/// on the dead pooled connection.
#[tokio::test]
async fn a_server_closing_idle_connections_does_not_fail_requests() {
    let server = support::server::RawServer::start(|stream| {
        support::wire::answer_raw(stream, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    });
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    for _ in 0..50 {
        let resp = client.get(server.url("/")).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), "ok");
    }
    assert!(server.accepted() >= 50);
}

/// When a reused keep-alive connection closes under a request, only
/// idempotent requests with an in-memory body are sent again, once.
#[tokio::test]
async fn only_idempotent_replayable_requests_are_replayed_once() {
    use tokio::io::AsyncWriteExt;
    // Answers the first request of each connection; closes the connection
    // without an answer when the second arrives.
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = lines.clone();
    let server = support::server::RawServer::start(move |mut stream| {
        let log = log.clone();
        async move {
            for answer in [true, false] {
                let head = support::wire::read_head(&mut stream).await;
                let head = String::from_utf8_lossy(&head).into_owned();
                log.lock()
                    .unwrap()
                    .extend(head.lines().next().map(str::to_owned));
                if !answer || head.is_empty() {
                    return;
                }
                let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                if stream.write_all(ok).await.is_err() {
                    return;
                }
            }
        }
    });
    // One connection per host: each request below is the second one on its
    // connection, after the warm-up request.
    let agent = treq::HyperAgent::builder()
        .max_connections_per_host(1)
        .build()
        .unwrap();
    let client = treq::HttpClient::new(agent);
    let streamed = || {
        treq::Body::wrap_stream(futures_util::stream::iter([Ok::<_, std::io::Error>(
            bytes::Bytes::from("once"),
        )]))
    };
    let cases = [
        ("GET /get ", client.get(server.url("/get")), true),
        (
            "PUT /put ",
            client.put(server.url("/put")).data("replayable"),
            true,
        ),
        (
            "DELETE /delete ",
            client.delete(server.url("/delete")),
            true,
        ),
        (
            "POST /post ",
            client.post(server.url("/post")).data("not idempotent"),
            false,
        ),
        ("PATCH /patch ", client.patch(server.url("/patch")), false),
        (
            "PUT /stream ",
            client.put(server.url("/stream")).data(streamed()),
            false,
        ),
    ];
    for (line, request, replayed) in cases {
        let warm = client.get(server.url("/warm")).await.unwrap();
        assert_eq!(warm.text().await.unwrap(), "ok");
        let result = request.await;
        let sent = lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with(line))
            .count();
        if replayed {
            assert_eq!(result.unwrap().text().await.unwrap(), "ok", "{line}");
            assert_eq!(sent, 2, "{line}");
        } else {
            let err = result.unwrap_err();
            assert!(err.is_request(), "{line}: {err:?}");
            assert_eq!(sent, 1, "{line}");
        }
    }
}

/// Runtime A sends `first` to `/first` and keeps running until runtime B's
/// `second` to `/slow` (answered after 300 ms) is under way; then A shuts
/// down. Returns B's result and how many connections the server accepted.
fn across_runtimes<F1, Fut1, F2, Fut2>(first: F1, second: F2) -> (treq::Result<String>, usize)
where
    F1: FnOnce(String) -> Fut1 + Send + 'static,
    Fut1: std::future::Future<Output = treq::Result<String>>,
    F2: FnOnce(String) -> Fut2 + Send + 'static,
    Fut2: std::future::Future<Output = treq::Result<String>> + Send + 'static,
{
    let server = Server::http(|req| async move {
        if req.uri.path() == "/slow" {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        reply(200, format!("hello {}", req.uri.path()))
    });
    let first_url = server.url("/first");
    let (pooled_tx, pooled_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let other = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            assert_eq!(first(first_url).await.unwrap(), "hello /first");
            pooled_tx.send(()).unwrap();
            // Keep driving the pooled connection until told to stop.
            let _ = stop_rx.await;
        });
        drop(rt);
    });
    pooled_rx.recv().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let slow = server.url("/slow");
    let result = rt.block_on(async {
        let request = tokio::spawn(second(slow));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        stop_tx.send(()).unwrap();
        request.await.unwrap()
    });
    other.join().unwrap();
    (result, server.accepted())
}

/// An agent shared by two runtimes may hand one a connection whose task runs
/// on the other. If that runtime shuts down mid-request, an idempotent
/// request is sent again rather than failing.
#[test]
fn a_connection_whose_runtime_shuts_down_mid_request_is_retried() {
    let agent = treq::HyperAgent::new();
    let shared = agent.clone();
    let (result, accepted) = across_runtimes(
        move |url| async move {
            let client = treq::HttpClient::new(shared);
            client.get(url).await?.text().await
        },
        move |url| async move {
            let client = treq::HttpClient::new(agent);
            client.get(url).await?.text().await
        },
    );
    assert_eq!(result.unwrap(), "hello /slow");
    assert_eq!(accepted, 2, "the dead connection, then a fresh one");
}

/// The module-level functions keep one pool per runtime, so a POST (never
/// retried) is not lost to another runtime shutting down.
#[test]
fn module_level_pools_are_per_runtime() {
    let (result, accepted) = across_runtimes(
        |url| async move { treq::get(url).await?.text().await },
        |url| async move { treq::post(url).data("x").await?.text().await },
    );
    assert_eq!(result.unwrap(), "hello /slow");
    assert_eq!(accepted, 2, "each runtime opened its own connection");
}
