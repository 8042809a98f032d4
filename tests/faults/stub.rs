//! Fault scenarios: stub. A resource that never answers, or answers with
//! `Fault::Hang`, fails the request at StubTreq's deadline (here a short one,
//! so the tests are fast) instead of hanging the test.

use std::time::{Duration, Instant};

use treq_testing::resource::resource_fn;
use treq_testing::{Fault, StringStubbingResource, StubResponse, StubTreq};

use crate::support::bounded;

const SHORT: Duration = Duration::from_millis(100);

#[tokio::test]
async fn a_resource_that_never_answers_fails_at_the_stub_deadline() {
    bounded("resource that never answers", async {
        let stub = StubTreq::new(resource_fn(|_req| std::future::pending::<StubResponse>()))
            .with_deadline(SHORT);
        let started = Instant::now();
        let err = stub
            .get("http://silent.test/pending?page=2")
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(started.elapsed() >= SHORT && started.elapsed() < Duration::from_secs(5));
        let shown = err.to_string();
        assert!(shown.contains("GET request"), "{shown}");
        assert!(
            shown.contains("http://silent.test/pending?page=2"),
            "{shown}"
        );
        assert!(shown.contains("StubTreq::with_deadline"), "{shown}");
        // The stub keeps working after a request ran out of time.
        let stub =
            StubTreq::new(StringStubbingResource::new(|_req| (200, "fine"))).with_deadline(SHORT);
        let resp = stub.get("http://silent.test/").await.unwrap();
        assert_eq!(resp.text().await.unwrap(), "fine");
    })
    .await;
}

#[tokio::test]
async fn fault_hang_fails_at_the_stub_deadline() {
    bounded("Fault::Hang", async {
        let stub = StubTreq::new(StringStubbingResource::new(|req| {
            if req.url.ends_with("/hang") {
                StubResponse::new(200).fault(Fault::Hang)
            } else {
                StubResponse::new(204)
            }
        }))
        .with_deadline(SHORT);
        assert_eq!(stub.deadline(), Some(SHORT));
        let err = stub
            .post("http://hung.test/hang")
            .data("payload")
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        let shown = err.to_string();
        assert!(
            shown.contains("POST request") && shown.contains("http://hung.test/hang"),
            "{shown}"
        );
        // Other requests of the same stub are unaffected.
        assert_eq!(stub.get("http://hung.test/ok").await.unwrap().code(), 204);
    })
    .await;
}

#[tokio::test]
async fn a_client_timeout_shorter_than_the_deadline_still_wins() {
    bounded("client timeout before the stub deadline", async {
        let stub = StubTreq::new(StringStubbingResource::new(|_req| {
            StubResponse::new(200).fault(Fault::Hang)
        }))
        .with_deadline(Duration::from_secs(20));
        let err = stub
            .get("http://hung.test/")
            .timeout(SHORT)
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(!err.to_string().contains("StubTreq"), "{err}");
    })
    .await;
}
