//! treq's docs/examples/testing_seq.py in Rust: a client function tested
//! against a hand-built RequestSequence (200 ok, 418 teapot).

use treq_testing::matchers::{has_headers, params_exact};
use treq_testing::{Expect, RequestSequence, StringStubbingResource, StubResponse, StubTreq};

#[derive(Debug, PartialEq)]
enum MyError {
    Http(String),
    Treq(String),
}

impl From<treq::Error> for MyError {
    fn from(e: treq::Error) -> Self {
        MyError::Treq(e.to_string())
    }
}

/// The code under test: production code takes any agent.
async fn make_a_request<A: treq::Agent>(
    client: &treq::HttpClient<A>,
) -> Result<serde_json::Value, MyError> {
    let response = client
        .get("http://an.example/foo")
        .params([("a", "b")])
        .header("Accept", "application/json")
        .await?;
    if response.code() != 200 {
        let body = response.text().await?;
        return Err(MyError::Http(format!(
            "Got an error from the server: {body}"
        )));
    }
    Ok(response.json().await?)
}

fn expected_request() -> Expect {
    Expect::new("GET", "http://an.example/foo")
        .params(params_exact(vec![("a".into(), vec!["b".into()])]))
        .headers(has_headers([("Accept", ["application/json"])]))
        .body("")
}

#[tokio::test]
async fn test_200_ok() {
    let seq = RequestSequence::new([(
        expected_request(),
        StubResponse::new(200)
            .header("Content-Type", "application/json")
            .body(r#"{"status": "ok"}"#),
    )]);
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let guard = seq.consume();
    let result = make_a_request(&stub).await;
    drop(guard);
    assert_eq!(result, Ok(serde_json::json!({"status": "ok"})));
}

#[tokio::test]
async fn test_418_teapot() {
    let seq = RequestSequence::new([(
        expected_request(),
        StubResponse::new(418)
            .header("Content-Type", "text/plain")
            .body("I'm a teapot!"),
    )]);
    let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
    let guard = seq.consume();
    let result = make_a_request(&stub).await;
    drop(guard);
    assert_eq!(
        result,
        Err(MyError::Http(
            "Got an error from the server: I'm a teapot!".into()
        ))
    );
}
