//! Redirects through the whole client over loopback servers: treq's rules
//! (behaviours H.42–50), history, limits, and credentials never crossing origins.

mod routes;
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::Value;
use support::server::Server;
use support::tls::TestPki;
use treq::error::ErrorKind;
use treq::{HttpClient, HyperAgent};

use routes::{route, status_path};

fn client() -> HttpClient<HyperAgent> {
    HttpClient::new(HyperAgent::new())
}

fn tls() -> (TestPki, HttpClient<HyperAgent>) {
    let pki = TestPki::new(&["localhost"]);
    let agent = HyperAgent::builder()
        .add_root_certificate_pem(&pki.ca_pem)
        .build()
        .unwrap();
    (pki, HttpClient::new(agent))
}

fn header<'a>(echo: &'a Value, name: &str) -> Option<&'a str> {
    echo["headers"][name].as_str()
}

#[tokio::test]
async fn relative_and_absolute_redirects_are_followed_for_get_and_head() {
    let server = Server::http(route);
    let c = client();
    for path in ["/redirect/1", "/absolute-redirect/1"] {
        let resp = c.get(server.url(path)).await.unwrap();
        assert_eq!(resp.code(), 200, "{path}");
        assert_eq!(resp.url().path(), "/echo");
        let resp = c.head(server.url(path)).await.unwrap();
        assert_eq!(resp.code(), 200, "{path}");
        assert_eq!(resp.request().unwrap().method(), "HEAD");
    }
}

#[tokio::test]
async fn history_lists_earlier_responses_oldest_first() {
    // treq's test_history / test_no_history.
    let server = Server::http(route);
    let c = client();
    let first = server.url("/status/301?to=%2Fstatus%2F302%3Fto%3D%252Fecho");
    let resp = c.get(&first).await.unwrap();
    assert_eq!(resp.code(), 200);
    let codes: Vec<u16> = resp.history().iter().map(|r| r.code()).collect();
    assert_eq!(codes, [301, 302]);
    assert_eq!(resp.previous_response().unwrap().code(), 302);
    assert_eq!(resp.history()[0].url().as_str(), first);
    assert_eq!(resp.history()[1].url().path(), "/status/302");
    // Intermediate bodies are kept (small) for inspection.
    assert_eq!(
        resp.history()[0].text().await.unwrap(),
        "redirecting from /status/301"
    );

    let resp = c.get(server.url("/echo")).await.unwrap();
    assert!(resp.history().is_empty());
    assert!(resp.previous_response().is_none());
}

#[tokio::test]
async fn a_chain_reuses_one_connection() {
    let server = Server::http(route);
    let resp = client().get(server.url("/redirect/5")).await.unwrap();
    assert_eq!(resp.history().len(), 5);
    assert_eq!(server.accepted(), 1, "intermediate bodies are drained");
}

#[tokio::test]
async fn disallowed_redirects_return_the_3xx_with_no_history() {
    let server = Server::http(route);
    let resp = client()
        .get(server.url("/redirect/1"))
        .allow_redirects(false)
        .await
        .unwrap();
    assert_eq!(resp.code(), 302);
    assert_eq!(resp.headers()["location"], "/echo");
    assert!(resp.history().is_empty());
}

#[tokio::test]
async fn post_and_302_is_refused_but_303_becomes_a_bodyless_get() {
    // treq's test_request_post_redirect_denied: a POST answered with 302 is not followed by default.
    let server = Server::http(route);
    let c = client();
    let err = c
        .post(server.url(&status_path(302, "/echo")))
        .data("payload")
        .await
        .unwrap_err();
    assert!(err.is_redirect());
    match err.kind() {
        ErrorKind::RedirectRefused { status, location } => {
            assert_eq!(*status, 302);
            assert_eq!(location.as_ref().unwrap().path(), "/echo");
        }
        other => panic!("{other:?}"),
    }

    let resp = c
        .post(server.url(&status_path(303, "/echo")))
        .header("Content-Type", "text/plain")
        .data("payload")
        .await
        .unwrap();
    let echo: Value = resp.json().await.unwrap();
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["body"], "");
    assert_eq!(header(&echo, "content-type"), None);
    assert_eq!(header(&echo, "content-length"), None);
    assert_eq!(resp.history()[0].request().unwrap().method(), "POST");
}

#[tokio::test]
async fn browser_like_redirects_follow_post_as_get_except_307() {
    // treq's test_request_browser_like_redirects: browser-like rules turn it into a GET.
    let server = Server::http(route);
    let c = client();
    for code in [301, 302, 303, 308] {
        let resp = c
            .post(server.url(&status_path(code, "/echo")))
            .data("payload")
            .browser_like_redirects(true)
            .await
            .unwrap();
        let echo: Value = resp.json().await.unwrap();
        assert_eq!(echo["method"], "GET", "{code}");
    }
    let err = c
        .post(server.url(&status_path(307, "/echo")))
        .data("payload")
        .browser_like_redirects(true)
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RedirectRefused { status: 307, .. }
    ));
}

#[tokio::test]
async fn temporary_redirect_replays_an_in_memory_body() {
    let server = Server::http(route);
    let resp = client()
        .get(server.url(&status_path(307, "/echo")))
        .data("replayed")
        .await
        .unwrap();
    let echo: Value = resp.json().await.unwrap();
    assert_eq!(echo["body"], "replayed");
}

#[tokio::test]
async fn temporary_redirect_refuses_a_streamed_body() {
    let server = Server::http(route);
    let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from("chunk"))]);
    let err = client()
        .get(server.url(&status_path(307, "/echo")))
        .data(treq::Body::wrap_stream(stream))
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RedirectRefused { status: 307, .. }
    ));
    assert!(err.to_string().contains("cannot be sent again"), "{err}");
}

#[tokio::test]
async fn too_many_redirects_carries_every_response() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    let server = Server::http(move |req| {
        counted.fetch_add(1, Ordering::SeqCst);
        route(req)
    });
    let err = client().get(server.url("/loop")).await.unwrap_err();
    assert_eq!(
        hits.load(Ordering::SeqCst),
        21,
        "20 redirects followed, as treq"
    );
    assert!(err.is_redirect());
    assert_eq!(err.history().unwrap().len(), 21);
    assert!(err.history().unwrap().iter().all(|r| r.code() == 302));

    let err = client()
        .get(server.url("/loop"))
        .max_redirects(3)
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::TooManyRedirects { max: 3 }));
    assert_eq!(err.history().unwrap().len(), 4);

    let limited = HttpClient::builder(HyperAgent::new())
        .max_redirects(1)
        .build();
    assert!(limited.get(server.url("/redirect/1")).await.is_ok());
    let err = limited.get(server.url("/redirect/2")).await.unwrap_err();
    assert_eq!(err.history().unwrap().len(), 2);
}

#[tokio::test]
async fn redirect_without_location_is_an_error() {
    let server = Server::http(route);
    let err = client().get(server.url("/status/302")).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RedirectWithoutLocation { status: 302 }
    ));
    assert!(err.to_string().contains("without a Location"), "{err}");
}

/// Sends credentials three ways (user header, `.auth`, user Cookie header) plus
/// a custom header, to `start`, which redirects to `target`; returns what the
/// final server saw.
async fn credentials_through(
    c: &HttpClient<HyperAgent>,
    start: String,
    auth_header: bool,
) -> Value {
    let mut req = c
        .get(start)
        .header("Cookie", "user=1")
        .header("X-Api-Key", "secret");
    req = if auth_header {
        req.header("Authorization", "Bearer token")
    } else {
        req.auth(("user", "pass"))
    };
    let resp = req.await.unwrap();
    assert_eq!(resp.code(), 200);
    resp.json().await.unwrap()
}

fn assert_no_credentials(echo: &Value, what: &str) {
    for name in ["authorization", "cookie", "proxy-authorization"] {
        assert_eq!(header(echo, name), None, "{name} leaked ({what}): {echo}");
    }
}

#[tokio::test]
async fn same_origin_redirect_keeps_credentials() {
    let server = Server::http(route);
    let c = client();
    for auth_header in [true, false] {
        let echo =
            credentials_through(&c, server.url(&status_path(302, "/echo")), auth_header).await;
        assert!(header(&echo, "authorization").is_some());
        assert_eq!(header(&echo, "cookie"), Some("user=1"));
    }
}

#[tokio::test]
async fn credentials_never_reach_another_port_or_host() {
    let a = Server::http(route);
    let b = Server::http(route);
    let c = client();
    for auth_header in [true, false] {
        // Another port.
        let start = a.url(&status_path(302, &b.url("/echo")));
        let echo = credentials_through(&c, start, auth_header).await;
        assert_no_credentials(&echo, "other port");
        assert_eq!(
            header(&echo, "x-api-key"),
            Some("secret"),
            "treq forwards custom headers"
        );
        // Another host name for the same server (127.0.0.1 -> localhost).
        let start = a.url(&status_path(302, &a.url_with_host("localhost", "/echo")));
        let echo = credentials_through(&c, start, auth_header).await;
        assert_no_credentials(&echo, "other host");
        // Out and back: stripped for good.
        let back = a.url("/echo");
        let start = a.url(&status_path(302, &b.url(&status_path(302, &back))));
        let echo = credentials_through(&c, start, auth_header).await;
        assert_no_credentials(&echo, "out and back");
    }
}

#[tokio::test]
async fn configured_sensitive_headers_are_stripped_too() {
    let a = Server::http(route);
    let b = Server::http(route);
    let c = HttpClient::builder(HyperAgent::new())
        .sensitive_headers(["X-Api-Key"])
        .build();
    let echo = credentials_through(&c, a.url(&status_path(302, &b.url("/echo"))), true).await;
    assert_eq!(header(&echo, "x-api-key"), None);
}

#[tokio::test]
async fn credentials_do_not_survive_http_to_https_or_https_to_http() {
    let (pki, c) = tls();
    let secure = Server::https(pki.server_config(&[b"http/1.1"]), route);
    let plain = Server::http(route);
    for auth_header in [true, false] {
        // http -> https on another port (also: an upgrade is a new origin).
        let start = plain.url(&status_path(
            302,
            &secure.url_with_host("localhost", "/echo"),
        ));
        let echo = credentials_through(&c, start, auth_header).await;
        assert_no_credentials(&echo, "http -> https");
        // https -> http: never downgrade credentials.
        let start = secure.url_with_host("localhost", &status_path(302, &plain.url("/echo")));
        let echo = credentials_through(&c, start, auth_header).await;
        assert_no_credentials(&echo, "https -> http");
    }
}

#[tokio::test]
async fn non_http_location_is_refused() {
    let server = Server::http(route);
    let err = client()
        .get(server.url(&status_path(302, "file:///etc/passwd")))
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RedirectRefused { status: 302, .. }
    ));
}

/// `/hop/N` redirects to `/hop/N+1` with a body of `size` bytes, up to `/hop/{hops}`.
fn chain_with_bodies(hops: u32, size: usize) -> Server {
    Server::http(move |req| async move {
        let n: u32 = req
            .uri
            .path()
            .trim_start_matches("/hop/")
            .parse()
            .unwrap_or(0);
        if n >= hops {
            return support::server::reply(200, "end");
        }
        http::Response::builder()
            .status(302)
            .header("location", format!("/hop/{}", n + 1))
            .body(support::server::full(vec![b'x'; size]))
            .unwrap()
    })
}

#[tokio::test]
async fn history_keeps_at_most_a_mebibyte_of_bodies_for_the_whole_chain() {
    // 40 bodies of 60 KiB: each small enough to drain (one connection), 2.4 MB
    // in all, more than the history keeps.
    let server = chain_with_bodies(40, 60 * 1024);
    let resp = client()
        .get(server.url("/hop/0"))
        .max_redirects(40)
        .await
        .unwrap();
    assert_eq!(resp.history().len(), 40);
    let mut kept = Vec::new();
    for hop in resp.history() {
        kept.push(hop.content().await.unwrap().len());
    }
    let total: usize = kept.iter().sum();
    assert!(total <= 1 << 20, "{total} bytes kept");
    assert_eq!(kept[0], 60 * 1024, "the first bodies are kept whole");
    assert_eq!(kept[39], 0, "the last ones are not kept");
    assert_eq!(server.accepted(), 1, "every body was drained for reuse");
}

#[tokio::test]
async fn a_large_redirect_body_is_dropped_with_its_connection() {
    let server = chain_with_bodies(1, 200 * 1024);
    let resp = client().get(server.url("/hop/0")).await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "end");
    assert_eq!(resp.history()[0].content().await.unwrap(), "");
    assert_eq!(
        server.accepted(),
        2,
        "the rest of the body was not read: the next hop used a new connection"
    );
}
