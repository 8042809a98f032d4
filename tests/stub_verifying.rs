//! `StubTreq::verifying`: the stub serves a `RequestSequence` and verifies it
//! when dropped (wiremock's model), once, never as a second panic; and a
//! `RequestSequence` is itself a `Resource` (`StubTreq::new(seq.clone())`).

use std::panic::{catch_unwind, AssertUnwindSafe};

use treq_testing::{request_sequence, Expect, RequestSequence, StubResponse, StubTreq};

fn two_requests() -> RequestSequence {
    request_sequence! {
        GET "http://api.test/a" => 200 body "a";
        GET "http://api.test/b" => 200 body "b";
    }
}

/// The panic message of dropping `stub`, or `None` if the drop passed.
fn drop_message(stub: StubTreq) -> Option<String> {
    let payload = catch_unwind(AssertUnwindSafe(move || drop(stub))).err()?;
    Some(match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map_or_else(|| "a non-string panic".to_owned(), |s| (*s).to_owned()),
    })
}

#[tokio::test]
async fn dropping_the_stub_fails_when_expectations_are_left() {
    let stub = StubTreq::verifying(two_requests());
    let resp = stub.get("http://api.test/a").await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "a");
    let message = drop_message(stub).expect("the drop fails the test");
    assert!(
        message.starts_with("Not all expected requests were made"),
        "{message}"
    );
    assert!(message.contains("request #2 of 2"), "{message}");
    assert!(message.contains("http://api.test/b"), "{message}");
}

#[tokio::test]
async fn dropping_the_stub_passes_when_every_expectation_was_met() {
    let seq = two_requests();
    let stub = StubTreq::verifying(seq.clone());
    for (path, body) in [("a", "a"), ("b", "b")] {
        let resp = stub.get(format!("http://api.test/{path}")).await.unwrap();
        assert_eq!(resp.text().await.unwrap(), body);
    }
    assert_eq!(drop_message(stub), None);
    assert_eq!(seq.verify(), Ok(()), "the clone shares the state");
}

#[tokio::test]
async fn dropping_the_stub_fails_on_a_mismatched_request() {
    let stub = StubTreq::verifying(request_sequence! {
        GET "http://api.test/a" => 200;
    });
    let resp = stub.get("http://api.test/other").await.unwrap();
    assert_eq!(resp.code(), 500, "a mismatch answers 500 StubbingError");
    let resp = stub.get("http://api.test/a").await.unwrap();
    assert_eq!(resp.code(), 200);
    let message = drop_message(stub).expect("the mismatch fails the test");
    assert!(
        message.contains("request #1 of 1, but it did not match"),
        "{message}"
    );
    assert!(message.contains("Mismatched fields: url"), "{message}");
}

#[tokio::test]
async fn dropping_the_stub_fails_on_an_extra_request_whose_form_does_not_parse() {
    let seq = request_sequence! {
        GET "http://api.test/a" => 200;
    };
    let stub = StubTreq::verifying(seq.clone());
    assert_eq!(stub.get("http://api.test/a").await.unwrap().code(), 200);
    let resp = stub
        .post("http://api.test/delete-everything")
        .header("Content-Type", "multipart/form-data; boundary=XX")
        .data("not multipart at all")
        .await
        .unwrap();
    assert_eq!(resp.code(), 500, "an extra request answers StubbingError");
    let report = seq.verify().expect_err("the extra request is a failure");
    assert!(report.starts_with("No more requests expected"), "{report}");
    assert!(report.contains("delete-everything"), "{report}");
    assert!(report.contains("read_error="), "{report}");
    let message = drop_message(stub).expect("the extra request fails the test");
    assert!(message.contains("delete-everything"), "{message}");
}

#[tokio::test]
async fn an_expected_request_whose_form_does_not_parse_mismatches_on_params() {
    let seq = RequestSequence::new([(
        Expect::new("GET", "http://api.test/a"),
        StubResponse::new(200),
    )]);
    let stub = StubTreq::verifying(seq.clone());
    // The multipart header without a body: there are no fields to parse.
    let resp = stub
        .get("http://api.test/a?page=2")
        .header("Content-Type", "multipart/form-data; boundary=XX")
        .await
        .unwrap();
    assert_eq!(resp.code(), 500);
    assert_eq!(seq.remaining(), 1, "the expectation stays");
    let failures = seq.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("Mismatched fields: params\n"),
        "{}",
        failures[0]
    );
    assert!(
        failures[0].contains("could not be read whole") && failures[0].contains("page"),
        "{}",
        failures[0]
    );
    assert!(drop_message(stub).is_some());
}

#[test]
fn a_test_that_already_failed_shows_its_own_panic_only() {
    // A second panic while unwinding would abort the test binary; the drop
    // must stay quiet and let the test's own message through.
    let outcome = catch_unwind(|| {
        let _stub = StubTreq::verifying(two_requests());
        panic!("the test's own failure");
    });
    let payload = outcome.expect_err("the test panicked");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"the test's own failure")
    );
}

#[tokio::test]
async fn resource_panics_and_unmet_expectations_are_reported_in_one_panic() {
    let stub = StubTreq::verifying(RequestSequence::new([
        (
            Expect::new("GET", "http://api.test/a"),
            // An invalid status makes the serving resource panic (answering 500).
            StubResponse::new(1000),
        ),
        (
            Expect::new("GET", "http://api.test/b"),
            StubResponse::new(200),
        ),
    ]));
    let resp = stub.get("http://api.test/a").await.unwrap();
    assert_eq!(resp.code(), 500);
    let message = drop_message(stub).expect("the drop fails the test");
    assert!(
        message.contains("the stubbed resource panicked while serving 1 request(s)"),
        "{message}"
    );
    assert!(message.contains("invalid status code 1000"), "{message}");
    assert!(
        message.contains("Not all expected requests were made"),
        "{message}"
    );
}

#[tokio::test]
async fn a_sequence_serves_as_a_resource_and_keeps_its_guard() {
    let seq = two_requests();
    let stub = StubTreq::new(seq.clone());
    let guard = seq.consume();
    assert_eq!(
        stub.get("http://api.test/a")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "a"
    );
    assert_eq!(seq.remaining(), 1);
    assert!(guard.verify().is_err(), "one expectation is left");
    stub.get("http://api.test/b").await.unwrap();
    assert!(seq.consumed());
    drop(guard); // passes: everything was consumed
    assert_eq!(drop_message(stub), None, "a plain stub does not verify");
}

#[tokio::test]
async fn an_expected_url_with_a_query_fails_verification_saying_to_match_params() {
    let seq = RequestSequence::new([(
        Expect::new("GET", "http://api.test/items?page=2"),
        StubResponse::new(200),
    )]);
    let stub = StubTreq::verifying(seq.clone());
    // Neither the query written in the URL nor another one passes.
    stub.get("http://api.test/items?page=3").await.unwrap();
    let message = drop_message(stub).expect("the drop fails the test");
    assert!(message.contains("params_exact"), "{message}");
    assert!(seq.verify().is_err());
}
