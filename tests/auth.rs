//! Auth over loopback: Basic and Bearer on the wire (treq's test_auth and the
//! integration basic_auth test), and Digest checked by an independent server
//! (`support/digest.rs`) for every algorithm and qop, nonce counting, stale
//! nonces, body replay and wrong passwords.

#[path = "support/digest.rs"]
mod digest;
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use digest::{DigestServer, Refusal};
use support::server::{reply, Server, ServerRequest, ServerResponse};
use treq::{Auth, HttpClient, HyperAgent};

fn client() -> HttpClient<HyperAgent> {
    HttpClient::new(HyperAgent::new())
}

/// The body the handler saw in each request, and how many requests came.
#[derive(Default)]
struct Log {
    requests: AtomicUsize,
    bodies: Mutex<Vec<Bytes>>,
    counts: Mutex<Vec<u32>>,
}

/// A server protecting everything with `digest`; 200 answers echo the body.
fn digest_server(digest: Arc<DigestServer>, log: Arc<Log>) -> Server {
    Server::http(move |req: ServerRequest| {
        let digest = Arc::clone(&digest);
        let log = Arc::clone(&log);
        async move { answer(&digest, &log, &req) }
    })
}

fn answer(digest: &DigestServer, log: &Log, req: &ServerRequest) -> ServerResponse {
    log.requests.fetch_add(1, Ordering::SeqCst);
    log.bodies.lock().unwrap().push(req.body.clone());
    let target = req.uri.path_and_query().unwrap().as_str();
    match digest.verify(req.method.as_str(), target, req.header("authorization")) {
        Ok(nc) => {
            log.counts.lock().unwrap().push(nc);
            reply(200, req.body.clone())
        }
        Err(refusal) => {
            let mut resp = reply(401, format!("{refusal:?}"));
            let value = digest.challenge(refusal == Refusal::Stale);
            resp.headers_mut()
                .insert("www-authenticate", value.parse().unwrap());
            resp
        }
    }
}

// treq integration test basic_auth: right credentials pass, wrong get 401.
#[tokio::test]
async fn basic_auth_over_the_wire() {
    let server = Server::http(|req: ServerRequest| async move {
        match req.header("authorization") {
            // base64("treq:treq")
            Some("Basic dHJlcTp0cmVx") => reply(200, "authenticated as treq"),
            _ => reply(401, "no"),
        }
    });
    let client = client();
    let ok = client
        .get(server.url("/basic-auth/treq/treq"))
        .auth(("treq", "treq"))
        .await
        .unwrap();
    assert_eq!(ok.code(), 200);
    assert_eq!(ok.text().await.unwrap(), "authenticated as treq");
    let bad = client
        .get(server.url("/basic-auth/treq/treq"))
        .auth(("treq", "nope"))
        .await
        .unwrap();
    assert_eq!(bad.code(), 401);
}

// treq test_auth: test_overrides_per_request_headers, test_no_mutation.
#[tokio::test]
async fn auth_overrides_the_callers_header_without_mutating_it() {
    let server = Server::http(|req: ServerRequest| async move {
        reply(200, req.header_all("authorization").join(" | "))
    });
    let mut headers = http::HeaderMap::new();
    headers.insert("authorization", "Bearer t".parse().unwrap());
    headers.insert("x-other", "kept".parse().unwrap());
    let before = headers.clone();
    let resp = client()
        .get(server.url("/"))
        .headers(&headers)
        .auth(("username", "password"))
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "Basic dXNlcm5hbWU6cGFzc3dvcmQ=");
    assert_eq!(headers, before);
    let sent = resp.request().unwrap().headers();
    assert_eq!(sent["authorization"], "Basic dXNlcm5hbWU6cGFzc3dvcmQ=");
}

#[tokio::test]
async fn bearer_over_the_wire_and_bad_tokens_are_errors() {
    let server = Server::http(|req: ServerRequest| async move {
        reply(200, req.header("authorization").unwrap_or("").to_owned())
    });
    let resp = client()
        .get(server.url("/"))
        .auth(Auth::bearer("abc.def"))
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "Bearer abc.def");
    let err = client()
        .get(server.url("/"))
        .auth(Auth::bearer("line\nbreak"))
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err:?}");
}

#[tokio::test]
async fn digest_every_algorithm_and_qop() {
    for algorithm in ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256"] {
        for qop in [Some("auth"), None] {
            let server_digest = Arc::new(DigestServer::new("user", "passwd", algorithm, qop));
            let log = Arc::new(Log::default());
            let server = digest_server(Arc::clone(&server_digest), Arc::clone(&log));
            let url = server.url(&format!("/digest-auth/{algorithm}?q=1&r=%20x"));
            let resp = client()
                .get(&url)
                .auth(Auth::digest("user", "passwd"))
                .await
                .unwrap();
            assert_eq!(
                resp.code(),
                200,
                "{algorithm} {qop:?}: {}",
                resp.text().await.unwrap()
            );
            assert_eq!(
                log.requests.load(Ordering::SeqCst),
                2,
                "{algorithm} {qop:?}"
            );
            let expected_nc = if qop.is_some() { 1 } else { 0 };
            assert_eq!(*log.counts.lock().unwrap(), [expected_nc]);
        }
    }
}

#[tokio::test]
async fn nonce_count_grows_across_requests_on_one_client() {
    let server_digest = Arc::new(DigestServer::new("u", "p", "SHA-256", Some("auth")));
    let log = Arc::new(Log::default());
    let server = digest_server(server_digest, Arc::clone(&log));
    let client = client();
    for path in ["/a", "/b?x=1", "/c"] {
        let resp = client
            .get(server.url(path))
            .auth(Auth::digest("u", "p"))
            .await
            .unwrap();
        assert_eq!(resp.code(), 200);
    }
    assert_eq!(*log.counts.lock().unwrap(), [1, 2, 3]);
    // One challenge, then every request answered up front.
    assert_eq!(log.requests.load(Ordering::SeqCst), 4);

    // A second client has its own state: it is challenged again.
    let resp = HttpClient::new(HyperAgent::new())
        .get(server.url("/d"))
        .auth(Auth::digest("u", "p"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(log.requests.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn stale_nonce_is_retried_with_the_new_one() {
    let server_digest = Arc::new(DigestServer::new("u", "p", "MD5", Some("auth")));
    let log = Arc::new(Log::default());
    let server = digest_server(Arc::clone(&server_digest), Arc::clone(&log));
    let client = client();
    let url = server.url("/stale");
    assert_eq!(
        client
            .get(&url)
            .auth(Auth::digest("u", "p"))
            .await
            .unwrap()
            .code(),
        200
    );
    server_digest.expire_nonces();
    let resp = client.get(&url).auth(Auth::digest("u", "p")).await.unwrap();
    assert_eq!(resp.code(), 200);
    // challenge + answer, then: stale answer up front (nc 2) + retry with the new nonce (nc 1).
    assert_eq!(log.requests.load(Ordering::SeqCst), 4);
    assert_eq!(*log.counts.lock().unwrap(), [1, 1]);
}

#[tokio::test]
async fn post_body_is_replayed_for_the_challenge() {
    let server_digest = Arc::new(DigestServer::new("u", "p", "SHA-256-sess", Some("auth")));
    let log = Arc::new(Log::default());
    let server = digest_server(server_digest, Arc::clone(&log));
    let resp = client()
        .post(server.url("/post"))
        .data("the payload")
        .auth(Auth::digest("u", "p"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.text().await.unwrap(), "the payload");
    assert_eq!(*log.bodies.lock().unwrap(), ["the payload", "the payload"]);
    assert_eq!(resp.request().unwrap().method(), "POST");
}

#[tokio::test]
async fn streamed_body_fails_clearly_until_the_challenge_is_known() {
    let server_digest = Arc::new(DigestServer::new("u", "p", "MD5", Some("auth")));
    let log = Arc::new(Log::default());
    let server = digest_server(server_digest, Arc::clone(&log));
    let client = client();
    let stream = || {
        treq::Body::wrap_stream(futures_util::stream::iter([
            Ok::<_, std::io::Error>("chunk one, "),
            Ok("chunk two"),
        ]))
    };
    let err = client
        .post(server.url("/upload"))
        .data(stream())
        .auth(Auth::digest("u", "p"))
        .await
        .unwrap_err();
    assert!(
        err.is_request() && err.to_string().contains("cannot be sent again"),
        "{err}"
    );

    // After any digest request to the origin, the stream goes out answered up front.
    let resp = client
        .get(server.url("/"))
        .auth(Auth::digest("u", "p"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    let resp = client
        .post(server.url("/upload"))
        .data(stream())
        .auth(Auth::digest("u", "p"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.text().await.unwrap(), "chunk one, chunk two");
}

#[tokio::test]
async fn wrong_password_returns_401_without_looping() {
    let server_digest = Arc::new(DigestServer::new("u", "right", "MD5", Some("auth")));
    let log = Arc::new(Log::default());
    let server = digest_server(server_digest, Arc::clone(&log));
    let resp = client()
        .get(server.url("/"))
        .auth(Auth::digest("u", "wrong"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 401);
    assert_eq!(resp.text().await.unwrap(), "Wrong(\"response hash\")");
    assert_eq!(log.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn digest_without_a_challenge_sends_no_credentials() {
    let server = Server::http(|req: ServerRequest| async move {
        reply(200, format!("{:?}", req.header("authorization")))
    });
    let resp = client()
        .get(server.url("/"))
        .auth(Auth::digest("u", "p"))
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "None");
}

// Credentials are bound to their origin: a digest challenge from another
// origin reached through a redirect is returned, not answered: the other origin
// sees exactly one request, without credentials.
#[tokio::test]
async fn digest_challenge_from_another_origin_is_not_answered() {
    let other_digest = Arc::new(DigestServer::new("u", "p", "MD5", Some("auth")));
    let other_log = Arc::new(Log::default());
    let other = digest_server(other_digest, Arc::clone(&other_log));
    let target = other.url("/protected");
    let first = Server::http(move |_req: ServerRequest| {
        let target = target.clone();
        async move {
            let mut resp = reply(302, "");
            resp.headers_mut()
                .insert("location", target.parse().unwrap());
            resp
        }
    });
    let resp = client()
        .get(first.url("/start"))
        .auth(Auth::digest("u", "p"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 401);
    assert_eq!(resp.history().len(), 1);
    assert_eq!(other_log.requests.load(Ordering::SeqCst), 1);
    assert!(other_log.counts.lock().unwrap().is_empty());
}
