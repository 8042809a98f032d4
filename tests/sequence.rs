//! RequestSequence: treq's RequestSequenceTests ported, plus the failure
//! messages (position, differing fields, what is left).

use std::sync::{Arc, Mutex};

use treq_testing::matchers::{any, has_headers, json_body, params_exact, regex};
use treq_testing::{Expect, RequestSequence, StringStubbingResource, StubResponse, StubTreq};

fn collector() -> (
    Arc<Mutex<Vec<String>>>,
    impl Fn(String) + Send + Sync + 'static,
) {
    let messages = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&messages);
    (messages, move |msg| sink.lock().unwrap().push(msg))
}

fn params(pairs: &[(&str, &str)]) -> treq_testing::matchers::ParamsExact {
    params_exact(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect(),
    )
}

// test_mismatched_request_causes_failure.
#[tokio::test]
async fn mismatched_request_causes_failure() {
    let seq = RequestSequence::new([
        (
            Expect::new("get", "https://anything/")
                .params(params(&[("1", "2")]))
                .headers(has_headers([("1", ["1"])]))
                .body("what"),
            StubResponse::new(418).body("body"),
        ),
        (
            Expect::new("get", "http://anything")
                .params(params(&[("1", "2")]))
                .headers(has_headers([("1", ["1"])]))
                .body("what"),
            StubResponse::new(202).body("deleted"),
        ),
    ]);
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let (messages, reporter) = collector();
    let guard = seq.consume_with(reporter);
    let send = || {
        stub.get("https://anything?1=2")
            .data("what")
            .header("1", "1")
    };
    let resp = send().await.unwrap();
    assert_eq!(resp.code(), 418);
    assert_eq!(resp.text().await.unwrap(), "body");
    assert!(messages.lock().unwrap().is_empty());

    let resp = send().await.unwrap();
    assert_eq!(resp.code(), 500);
    assert_eq!(resp.text().await.unwrap(), "StubbingError");
    {
        let messages = messages.lock().unwrap();
        assert_eq!(messages.len(), 1);
        let msg = &messages[0];
        assert!(
            msg.contains("Expected the next request to be request #2 of 2"),
            "{msg}"
        );
        assert!(msg.contains("Mismatched fields: url\n"), "{msg}");
        assert!(msg.contains("expected: \"http://anything/\""), "{msg}");
        assert!(msg.contains("got:      \"https://anything/\""), "{msg}");
    }
    assert!(!seq.consumed());
    assert_eq!(seq.remaining(), 1, "a mismatch does not consume the entry");
    drop(guard);
    let messages = messages.lock().unwrap();
    assert_eq!(messages.len(), 2);
    assert!(messages[1].starts_with("Not all expected requests were made. Still expecting:\n"));
    assert!(messages[1].contains("- request #2 of 2: GET \"http://anything/\""));
}

// test_unexpected_number_of_request_causes_failure.
#[tokio::test]
async fn unexpected_extra_request_causes_failure() {
    let seq = RequestSequence::new([]);
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let (messages, reporter) = collector();
    let guard = seq.consume_with(reporter);
    let resp = stub.get("https://anything").data("what").await.unwrap();
    assert_eq!(resp.code(), 500);
    assert_eq!(resp.text().await.unwrap(), "StubbingError");
    assert!(seq.consumed());
    drop(guard);
    let messages = messages.lock().unwrap();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].starts_with(
            "No more requests expected, but got request #1 (the sequence expected 0): GET \"https://anything/\""
        ),
        "{}",
        messages[0]
    );
}

// test_works_with_mock_any.
#[tokio::test]
async fn any_matches_every_field() {
    let seq = RequestSequence::new([(
        Expect::new(any(), any())
            .params(any())
            .headers(any())
            .body(any()),
        StubResponse::new(418).body("body"),
    )]);
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let guard = seq.consume();
    let resp = stub
        .post("https://anything?x=1")
        .data("what")
        .header("1", "1")
        .await
        .unwrap();
    assert_eq!(resp.code(), 418);
    assert_eq!(resp.text().await.unwrap(), "body");
    drop(guard);
}

// test_consume_context_manager_fails_on_remaining_requests.
#[test]
fn consume_reports_remaining_requests_once() {
    let seq = RequestSequence::new([
        (
            Expect::new(any(), any())
                .params(any())
                .headers(any())
                .body(any()),
            StubResponse::new(418),
        ),
        (
            Expect::new("get", "http://a/").params(params_exact(vec![])),
            StubResponse::new(200),
        ),
    ]);
    let (messages, reporter) = collector();
    drop(seq.consume_with(reporter));
    let messages = messages.lock().unwrap();
    assert_eq!(
        *messages,
        ["Not all expected requests were made. Still expecting:\n\
          - request #1 of 2: <ANY> <ANY> params=<ANY> headers=<ANY> body=<ANY>\n\
          - request #2 of 2: GET \"http://a/\" params={} headers=<ANY> body=<ANY>"]
    );
}

// test_async_failures_logged: without a reporter, a mismatch fails the
// test when the guard is dropped.
#[tokio::test]
#[should_panic(expected = "Mismatched fields: method")]
async fn default_guard_panics_on_a_mismatch() {
    let seq = RequestSequence::new([(Expect::new("post", "http://a/"), StubResponse::new(200))]);
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let guard = seq.consume();
    assert_eq!(stub.put("http://a/").await.unwrap().code(), 500);
    drop(guard);
}

#[test]
#[should_panic(
    expected = "Not all expected requests were made. Still expecting:\n- request #1 of 1: GET"
)]
fn default_guard_panics_on_leftovers() {
    let seq = RequestSequence::new([(Expect::new("get", "http://a/"), StubResponse::new(200))]);
    let _guard = seq.consume();
}

#[test]
fn guard_does_not_panic_twice_while_unwinding() {
    let result = std::panic::catch_unwind(|| {
        let seq = RequestSequence::new([(Expect::new("get", "http://a/"), StubResponse::new(200))]);
        let _guard = seq.consume();
        panic!("the test's own failure");
    });
    let err = result.unwrap_err();
    assert_eq!(
        *err.downcast_ref::<&str>().unwrap(),
        "the test's own failure"
    );
}

// The field-by-field report: every differing field, the position, a diff
// for multi-line values.
#[tokio::test]
async fn mismatch_report_names_position_and_each_differing_field() {
    let seq = RequestSequence::new([
        (
            Expect::new("GET", "http://api.test/one"),
            StubResponse::new(200),
        ),
        (
            Expect::new("POST", "http://api.test/two")
                .params(params(&[("page", "2")]))
                .headers(has_headers([("Authorization", ["Bearer t"])]))
                .body(json_body(serde_json::json!({"a": 1}))),
            StubResponse::new(201),
        ),
        (
            Expect::new("GET", regex("^http://api\\.test/")),
            StubResponse::new(200),
        ),
    ]);
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let (messages, reporter) = collector();
    let _guard = seq.consume_with(reporter);
    stub.get("http://api.test/one").await.unwrap();
    let resp = stub
        .put("http://api.test/two")
        .params([("page", "3")])
        .json(&serde_json::json!({"a": 2}))
        .await
        .unwrap();
    assert_eq!(resp.code(), 500);
    let msg = messages.lock().unwrap()[0].clone();
    assert!(msg.contains("request #2 of 3"), "{msg}");
    assert!(
        msg.contains("Mismatched fields: method, params, headers, body\n"),
        "{msg}"
    );
    assert!(
        msg.contains("method:\n  expected: POST\n  got:      PUT"),
        "{msg}"
    );
    assert!(
        msg.contains("params:\n  diff (- expected, + got):"),
        "{msg}"
    );
    assert!(msg.contains("-         \"2\","), "{msg}");
    assert!(msg.contains("+         \"3\","), "{msg}");
    assert!(msg.contains("HasHeaders({"), "{msg}");
    assert!(
        msg.contains("body:\n  expected: json({\"a\":1})\n  got:      \"{\\\"a\\\":2}\""),
        "{msg}"
    );
    assert!(!msg.contains("\nurl:"), "the url matched: {msg}");
    assert!(
        msg.contains("Got request:      PUT \"http://api.test/two\""),
        "{msg}"
    );
}

#[tokio::test]
async fn sequence_is_thread_safe_and_clones_share_state() {
    let seq = RequestSequence::new((0..8).map(|_| {
        (
            Expect::new("GET", regex("^http://c\\.test/")),
            StubResponse::new(200),
        )
    }));
    let stub = Arc::new(StubTreq::new(StringStubbingResource::from(&seq)));
    let guard = seq.consume();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let stub = Arc::clone(&stub);
            tokio::spawn(
                async move { stub.get(format!("http://c.test/{i}")).await.unwrap().code() },
            )
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert!(seq.clone().consumed());
    drop(guard);
}

#[test]
fn verify_lists_failures_then_leftovers() {
    let seq = RequestSequence::new([(Expect::new("GET", "http://a/"), StubResponse::new(200))]);
    assert!(seq
        .verify()
        .unwrap_err()
        .starts_with("Not all expected requests"));
    assert!(seq.failures().is_empty());
}
