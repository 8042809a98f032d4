//! Beyond treq: server handlers (an axum Router) tested through StubTreq, the
//! same client code against the stub and a real loopback server, faults,
//! recording, and timeouts under tokio's paused clock.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Json, Query};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use support::server::{reply, Server};
use treq_testing::resource::{resource_fn, RecordingResource};
use treq_testing::{Fault, ServerRequest, StringStubbingResource, StubResponse, StubTreq};

/// Client code under test, written once against any agent.
async fn make_a_request<A: treq::Agent>(
    c: &treq::HttpClient<A>,
    base: &str,
) -> treq::Result<Value> {
    c.post(format!("{base}/items"))
        .params([("tag", "x")])
        .header("Accept", "application/json")
        .json(&json!({"name": "widget"}))
        .await?
        .json()
        .await
}

fn echo(method: &str, query: &str, accept: Option<&str>, body: &[u8]) -> String {
    json!({
        "method": method,
        "query": query,
        "accept": accept,
        "body": serde_json::from_slice::<Value>(body).unwrap_or(Value::Null),
    })
    .to_string()
}

#[tokio::test]
async fn the_same_client_code_passes_against_the_stub_and_a_loopback_server() {
    let stub = StubTreq::new(resource_fn(|mut req: ServerRequest| async move {
        let body = req.body_bytes().await.unwrap();
        let text = echo(
            req.method().as_str(),
            req.uri().query().unwrap_or(""),
            req.header("accept"),
            &body,
        );
        StubResponse::new(200)
            .header("Content-Type", "application/json")
            .body(text)
    }));
    let server = Server::http(|req| async move {
        reply(
            200,
            echo(
                req.method.as_str(),
                req.query(),
                req.header("accept"),
                &req.body,
            ),
        )
    });
    let real_client = treq::HttpClient::new(treq::HyperAgent::new());

    let from_stub = make_a_request(&stub, "http://service.test").await.unwrap();
    let base = server.url("");
    let from_server = make_a_request(&real_client, base.trim_end_matches('/'))
        .await
        .unwrap();
    let expected = json!({
        "method": "POST",
        "query": "tag=x",
        "accept": "application/json",
        "body": {"name": "widget"},
    });
    assert_eq!(from_stub, expected);
    assert_eq!(from_server, expected);
}

fn app() -> Router {
    Router::new()
        .route(
            "/items",
            post(
                |Query(q): Query<HashMap<String, String>>,
                 headers: HeaderMap,
                 Json(body): Json<Value>| async move {
                    Json(json!({
                        "tag": q.get("tag"),
                        "accept": headers.get("accept").and_then(|v| v.to_str().ok()),
                        "host": headers.get("host").and_then(|v| v.to_str().ok()),
                        "created": body["name"],
                    }))
                },
            ),
        )
        .route("/health", get(|| async { "ok" }))
}

#[tokio::test]
async fn an_axum_router_is_tested_through_the_stub() {
    let stub = StubTreq::from_service(app());
    let value = make_a_request(&stub, "http://api.test").await.unwrap();
    assert_eq!(
        value,
        json!({"tag": "x", "accept": "application/json", "host": "api.test", "created": "widget"})
    );
    let health = stub.get("https://api.test/health").await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    assert_eq!(
        stub.get("http://api.test/missing").await.unwrap().code(),
        404
    );
    // A body axum's Json extractor rejects gets axum's own answer.
    let bad = stub
        .post("http://api.test/items")
        .header("Content-Type", "application/json")
        .data("{not json")
        .await
        .unwrap();
    assert_eq!(bad.code(), 400);
}

#[tokio::test]
async fn a_reset_connection_is_a_request_error() {
    let stub = StubTreq::new(StringStubbingResource::new(|_req| {
        StubResponse::new(200).fault(Fault::Reset)
    }));
    let err = stub.get("http://flaky.test/").await.unwrap_err();
    assert!(err.is_request(), "{err:?}");
    // A user resource can return a fault too.
    let stub = StubTreq::new(resource_fn(|_req| async { Fault::Reset.into_response() }));
    assert!(stub
        .get("http://flaky.test/")
        .await
        .unwrap_err()
        .is_request());
}

#[tokio::test]
async fn a_truncated_body_is_a_body_error() {
    let stub = StubTreq::new(StringStubbingResource::new(|_req| {
        StubResponse::new(200)
            .body("0123456789")
            .fault(Fault::TruncateBody { after: 4 })
    }));
    let resp = stub.get("http://flaky.test/").await.unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.length(), Some(10));
    let err = resp.content().await.unwrap_err();
    assert!(err.is_body(), "{err:?}");
}

/// A retry loop, the kind of code faults exist to test.
async fn get_with_retries<A: treq::Agent>(
    c: &treq::HttpClient<A>,
    url: &str,
) -> treq::Result<String> {
    let mut last = None;
    for _ in 0..3 {
        match c.get(url).timeout(Duration::from_secs(2)).await {
            Ok(resp) => return resp.text().await,
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap())
}

#[tokio::test(start_paused = true)]
async fn delays_and_timeouts_take_no_real_time_under_the_paused_clock() {
    let recorder = RecordingResource::new(StringStubbingResource::new({
        let calls = std::sync::atomic::AtomicUsize::new(0);
        move |_req| match calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => StubResponse::new(200).fault(Fault::Hang),
            1 => StubResponse::new(200).delay(Duration::from_secs(60)),
            _ => StubResponse::new(200).body("third time lucky"),
        }
    }));
    let stub = StubTreq::new(recorder.clone());
    let started = std::time::Instant::now();
    let virtual_start = tokio::time::Instant::now();
    let text = get_with_retries(&stub, "http://slow.test/").await.unwrap();
    assert_eq!(text, "third time lucky");
    assert_eq!(recorder.len(), 3);
    assert!(
        virtual_start.elapsed() >= Duration::from_secs(4),
        "two 2 s timeouts passed"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "but no real time"
    );

    // A delay shorter than the timeout is just a slow answer.
    let stub = StubTreq::with_builder(
        StringStubbingResource::new(|_req| {
            StubResponse::new(200)
                .body("slow")
                .delay(Duration::from_secs(1))
        }),
        |b| b.timeout(Duration::from_secs(2)),
    );
    let resp = stub.get("http://slow.test/").await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "slow");
    let err = stub
        .get("http://slow.test/")
        .timeout(Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn recording_resource_keeps_every_request() {
    let recorder = RecordingResource::new(StringStubbingResource::new(|req| {
        (201, format!("made {}", req.params["n"][0]))
    }));
    let stub = StubTreq::new(recorder.clone());
    for n in 0..3 {
        let resp = stub
            .post("http://rec.test/things")
            .form([("n", n.to_string())])
            .await
            .unwrap();
        assert_eq!(resp.text().await.unwrap(), format!("made {n}"));
    }
    let requests = recorder.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests
        .iter()
        .all(|r| r.method == "POST" && r.url == "http://rec.test/things"));
    assert_eq!(requests[2].body, "n=2");
    assert_eq!(
        requests[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
}
