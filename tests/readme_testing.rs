//! The README's treq-testing snippet, kept compiling and passing here (the
//! README block itself is `ignore`d: treq's doctests cannot see treq-testing).

use treq_testing::{request_sequence, StubTreq};

// Production code is written against any agent...
async fn fetch_status<A: treq::Agent>(client: &treq::HttpClient<A>) -> treq::Result<u16> {
    Ok(client
        .get("http://an.example/foo")
        .params([("a", "b")])
        .await?
        .code())
}

#[tokio::test]
async fn asks_for_foo_then_gets_a_teapot() {
    // ...and tested against a declared, ordered sequence of exchanges,
    // checked at compile time (methods, URLs, status codes, header names).
    // Dropping the stub fails the test if an expected request is missing.
    let stub = StubTreq::verifying(request_sequence! {
        GET "http://an.example/foo" params { "a" => "b" } => 418 body "I'm a teapot";
    });
    assert_eq!(fetch_status(&stub).await.unwrap(), 418);
}
