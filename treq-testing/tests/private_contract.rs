//! The `__private` paths `request_sequence!` expands to: every allowed
//! argument type must type-check, and the result must behave.

use treq_testing::StubTreq;

#[allow(clippy::redundant_clone)]
fn expansion() -> ::treq_testing::__private::RequestSequence {
    ::treq_testing::__private::RequestSequence::new(::std::vec![
        (
            ::treq_testing::__private::Expect::new("GET", "http://an.example/foo")
                .params(::treq_testing::__private::params_exact(::std::vec![(
                    ::std::string::String::from("a"),
                    ::std::vec![::std::string::String::from("b")]
                )]))
                .headers(::treq_testing::__private::HasHeaders::new(::std::vec![(
                    ::std::string::String::from("Accept"),
                    ::std::vec![::std::string::String::from("application/json")]
                )]))
                .body(::treq_testing::__private::any()),
            ::treq_testing::__private::StubResponse::new(200u16)
                .header("Content-Type", "application/json")
                .body(r#"{"status": "ok"}"#),
        ),
        (
            ::treq_testing::__private::Expect::new(
                ::treq_testing::__private::any(),
                ::treq_testing::__private::regex("^http://.*"),
            )
            .params(::treq_testing::__private::any())
            .headers(::treq_testing::__private::any())
            .body(::treq_testing::__private::json_body(
                ::treq_testing::__private::serde_json::json!({"k": [1, 2]}),
            )),
            ::treq_testing::__private::StubResponse::new(201u16)
                .header(::std::string::String::from("X-A"), ::std::string::String::from("b"))
                .json_value(::treq_testing::__private::serde_json::json!({"id": 7})),
        ),
        (
            ::treq_testing::__private::Expect::new("put", ::std::string::String::from("http://x/"))
                .params(::treq_testing::__private::params_exact(::std::vec![]))
                .headers(::treq_testing::__private::HasHeaders::new(::std::vec![]))
                .body(::std::string::String::from("s")),
            ::treq_testing::__private::StubResponse::new(202u16).body(::std::vec![1u8, 2]),
        ),
        (
            ::treq_testing::__private::Expect::new("DELETE", ::treq_testing::__private::any())
                .body(::std::vec![0u8, 1])
                .body("literal")
                .body(::treq_testing::__private::regex("^lit")),
            ::treq_testing::__private::StubResponse::new(200u16)
                .body(::std::string::String::from("x"))
                .body(bytes::Bytes::from_static(b"y")),
        ),
    ])
}

#[tokio::test]
async fn expansion_type_checks_and_serves_in_order() {
    let seq = expansion();
    let stub = StubTreq::new(treq_testing::StringStubbingResource::from(seq.clone()));
    let guard = seq.consume();
    let r = stub
        .get("http://an.example/foo?a=b")
        .header("Accept", "application/json")
        .await
        .unwrap();
    assert_eq!(r.code(), 200);
    assert_eq!(r.text().await.unwrap(), r#"{"status": "ok"}"#);
    let r = stub
        .post("http://anything/")
        .json(&serde_json::json!({"k": [1, 2]}))
        .await
        .unwrap();
    assert_eq!(r.code(), 201);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["x-a"], "b");
    let r = stub.put("http://x").data("s").await.unwrap();
    assert_eq!(r.code(), 202);
    assert_eq!(&r.content().await.unwrap()[..], &[1, 2]);
    let r = stub.delete("http://z/").data("literal").await.unwrap();
    assert_eq!(r.text().await.unwrap(), "y");
    drop(guard);
}
