//! `request_sequence!` at runtime: treq's `docs/examples/testing_seq.py` written with the
//! macro, and the macro form checked against the equivalent hand-built
//! `RequestSequence` by running the same scenarios against both.

use std::sync::{Arc, Mutex};

use treq::{Agent, HttpClient};
use treq_testing::matchers::{any, has_headers, json_body, params_exact, regex};
use treq_testing::{
    request_sequence, Expect, RequestSequence, StringStubbingResource, StubResponse, StubTreq,
};

/// The code under test of treq's example: GET with params and headers; JSON on 200,
/// an error carrying the body otherwise.
async fn make_a_request<A: Agent>(client: &HttpClient<A>) -> Result<serde_json::Value, String> {
    let response = client
        .get("http://an.example/foo")
        .params([("a", "b")])
        .header("Accept", "application/json")
        .await
        .map_err(|error| error.to_string())?;
    if response.code() == 200 {
        response.json().await.map_err(|error| error.to_string())
    } else {
        let content = response.text().await.map_err(|error| error.to_string())?;
        Err(format!("Got an error from the server: {content}"))
    }
}

#[tokio::test]
async fn test_200_ok() {
    let seq = request_sequence! {
        GET "http://an.example/foo" params { "a" => "b" } headers { "Accept" => "application/json" }
            => 200 headers { "Content-Type" => "application/json" } body r#"{"status": "ok"}"#;
    };
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let _guard = seq.consume();

    let result = make_a_request(&stub).await;

    assert_eq!(result, Ok(serde_json::json!({ "status": "ok" })));
}

#[tokio::test]
async fn test_418_teapot() {
    let seq = request_sequence! {
        GET "http://an.example/foo" params { "a" => "b" } headers { "Accept" => "application/json" }
            => 418 headers { "Content-Type" => "text/plain" } body "I'm a teapot!";
    };
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let _guard = seq.consume();

    let result = make_a_request(&stub).await;

    assert_eq!(
        result,
        Err("Got an error from the server: I'm a teapot!".to_owned())
    );
}

/// What a scenario observed: each response (status, body) and every failure report.
#[derive(Debug, PartialEq)]
struct Observed {
    responses: Vec<(u16, String)>,
    failures: Vec<String>,
    consumed: bool,
}

/// A request to send: method, URL, params, body.
type Sent = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// Sends `requests` through a stub serving `seq`, with
/// failures collected by `consume_with` instead of panicking.
async fn run(seq: RequestSequence, requests: &[Sent]) -> Observed {
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&failures);
    let guard = seq.consume_with(move |message| sink.lock().unwrap().push(message));
    let mut responses = Vec::new();
    for (method, url, params, body) in requests {
        let response = stub
            .request(*method, *url)
            .params(params.to_vec())
            .header("Accept", "application/json")
            .header("X-Trace", ["a", "b"])
            .data(body.to_string())
            .await
            .expect("the stub answers every request");
        let code = response.code();
        responses.push((code, response.text().await.unwrap()));
    }
    let consumed = seq.consumed();
    drop(guard);
    let failures = failures.lock().unwrap().clone();
    Observed {
        responses,
        failures,
        consumed,
    }
}

fn macro_form() -> RequestSequence {
    let base = "http://an.example";
    request_sequence! {
        GET "http://an.example/foo" params { "a" => "b" } headers { "Accept" => "application/json" }
            => 200 headers { "Content-Type" => "application/json" } body r#"{"status": "ok"}"#;
        POST (format!("{base}/items")) params { "tag" => ["x", "y"] } headers { "x-trace" => ["b", "a"] }
            json { "name": "widget" } => 201 json { "id": 7 };
        PUT regex("^http://an\\.example/items/[0-9]+$") params {} body regex("^v=[0-9]+$") => 204;
        _ _ params _ headers _ body _ => 418 body "I'm a teapot";
    }
}

fn hand_built() -> RequestSequence {
    let base = "http://an.example";
    RequestSequence::new(vec![
        (
            Expect::new("GET", "http://an.example/foo")
                .params(params_exact(vec![("a".into(), vec!["b".into()])]))
                .headers(has_headers([("Accept", ["application/json"])])),
            StubResponse::new(200)
                .header("Content-Type", "application/json")
                .body(r#"{"status": "ok"}"#),
        ),
        (
            Expect::new("POST", format!("{base}/items"))
                .params(params_exact(vec![(
                    "tag".into(),
                    vec!["x".into(), "y".into()],
                )]))
                .headers(has_headers([("x-trace", ["b", "a"])]))
                .body(json_body(serde_json::json!({ "name": "widget" }))),
            StubResponse::new(201).json_value(serde_json::json!({ "id": 7 })),
        ),
        (
            Expect::new("PUT", regex("^http://an\\.example/items/[0-9]+$"))
                .params(params_exact(vec![]))
                .body(regex("^v=[0-9]+$")),
            StubResponse::new(204),
        ),
        (
            Expect::new(any(), any())
                .params(any())
                .headers(any())
                .body(any()),
            StubResponse::new(418).body("I'm a teapot"),
        ),
    ])
}

const MATCHING: &[Sent] = &[
    ("GET", "http://an.example/foo", &[("a", "b")], ""),
    (
        "POST",
        "http://an.example/items",
        &[("tag", "y"), ("tag", "x")],
        r#"{ "name" : "widget" }"#,
    ),
    ("PUT", "http://an.example/items/12", &[], "v=3"),
    (
        "DELETE",
        "http://elsewhere.example/",
        &[("z", "1")],
        "anything",
    ),
];

#[test]
fn macro_and_hand_built_sequences_hold_the_same_expectations() {
    // Debug shows every matcher and response of every entry.
    let from_macro = format!("{:#?}", macro_form());
    assert_eq!(from_macro, format!("{:#?}", hand_built()));
    assert!(from_macro.contains("HasHeaders"), "{from_macro}");
}

#[tokio::test]
async fn macro_and_hand_built_sequences_serve_the_same_responses() {
    let from_macro = run(macro_form(), MATCHING).await;
    let by_hand = run(hand_built(), MATCHING).await;

    assert_eq!(from_macro, by_hand);
    assert_eq!(
        from_macro.responses,
        [
            (200, r#"{"status": "ok"}"#.to_owned()),
            (201, r#"{"id":7}"#.to_owned()),
            (204, String::new()),
            (418, "I'm a teapot".to_owned()),
        ]
    );
    assert!(from_macro.failures.is_empty(), "{:#?}", from_macro.failures);
    assert!(from_macro.consumed);
}

#[tokio::test]
async fn macro_and_hand_built_sequences_report_the_same_mismatches() {
    // The first request has the wrong params and body; the PUT the wrong URL shape.
    let requests: &[Sent] = &[
        ("GET", "http://an.example/foo", &[("a", "c")], ""),
        ("GET", "http://an.example/foo", &[("a", "b")], ""),
        (
            "POST",
            "http://an.example/items",
            &[("tag", "x"), ("tag", "y")],
            r#"{"name":"widget"}"#,
        ),
        ("PUT", "http://an.example/items/latest", &[], "v=3"),
    ];
    let from_macro = run(macro_form(), requests).await;
    let by_hand = run(hand_built(), requests).await;

    assert_eq!(from_macro, by_hand);
    assert_eq!(
        from_macro
            .responses
            .iter()
            .map(|(code, _)| *code)
            .collect::<Vec<_>>(),
        [500, 200, 201, 500]
    );
    let failures = &from_macro.failures;
    assert!(failures.len() >= 2, "{failures:#?}");
    assert!(failures[0].contains("request #1 of 4"), "{}", failures[0]);
    assert!(
        failures[0].contains("Mismatched fields: params\n"),
        "{}",
        failures[0]
    );
    assert!(failures[1].contains("request #3 of 4"), "{}", failures[1]);
    assert!(
        failures[1].contains("Mismatched fields: url\n"),
        "{}",
        failures[1]
    );
    assert!(!from_macro.consumed);
    // The guard's report lists what is still expected (entries 3 and 4).
    assert!(failures.last().unwrap().contains("PUT"), "{failures:#?}");
}

#[tokio::test]
async fn exact_empty_params_reject_any_parameter() {
    let seq = request_sequence! { GET "http://an.example/" params {} => 200; };
    let observed = run(seq, &[("GET", "http://an.example/", &[("a", "1")], "")]).await;
    assert_eq!(observed.responses[0].0, 500);
    assert!(
        observed.failures[0].contains("Mismatched fields: params\n"),
        "{:#?}",
        observed.failures
    );
}

#[tokio::test]
async fn omitted_parts_match_anything() {
    let seq = request_sequence! { POST "http://an.example/" => 200 body "ok"; };
    let observed = run(
        seq,
        &[("POST", "http://an.example/", &[("q", "1")], "payload")],
    )
    .await;
    assert_eq!(observed.responses, [(200, "ok".to_owned())]);
    assert!(observed.failures.is_empty(), "{:#?}", observed.failures);
}

#[tokio::test]
async fn url_literals_are_normalised_like_the_stub_reports_them() {
    let seq = request_sequence! { GET "HTTP://An.Example:80" => 200; };
    let observed = run(seq, &[("GET", "http://an.example/", &[], "")]).await;
    assert_eq!(observed.responses[0].0, 200, "{:#?}", observed.failures);
}

#[tokio::test]
async fn runtime_values_and_byte_bodies() {
    let method = http::Method::PATCH;
    let page = 2;
    let status = http::StatusCode::ACCEPTED;
    let name = "X-Reply";
    let seq = request_sequence! {
        (method) "http://an.example/items" params { "page" => (page) } body b"v=1"
            => (status) headers { (name) => (page * 10) } body b"\x00done";
    };
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let _guard = seq.consume();
    let response = stub
        .patch("http://an.example/items")
        .params([("page", "2")])
        .data(&b"v=1"[..])
        .await
        .unwrap();
    assert_eq!(response.code(), 202);
    assert_eq!(response.headers()["x-reply"], "20");
    assert_eq!(&response.content().await.unwrap()[..], b"\x00done");
}

#[tokio::test]
async fn runtime_method_and_regex_url_are_matchers() {
    let base = "http://an.example";
    let seq = request_sequence! {
        (http::Method::DELETE) (regex(format!("^{base}/items/[0-9]+$"))) => 204;
        (http::Method::DELETE) (regex(format!("^{base}/items/[0-9]+$"))) => 204;
    };
    let observed = run(
        seq,
        &[
            ("DELETE", "http://an.example/items/5", &[], ""),
            ("DELETE", "http://an.example/items/x", &[], ""),
            ("GET", "http://an.example/items/6", &[], ""),
        ],
    )
    .await;
    let codes: Vec<u16> = observed.responses.iter().map(|(code, _)| *code).collect();
    assert_eq!(codes, [204, 500, 500]);
    assert!(
        observed.failures[0].contains("Mismatched fields: url\n"),
        "{:#?}",
        observed.failures
    );
    assert!(
        observed.failures[1].contains("Mismatched fields: method\n"),
        "{:#?}",
        observed.failures
    );
}
