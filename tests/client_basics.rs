//! Smoke test of the core client against a loopback server.

mod support;

use support::server::{reply, Server};

#[tokio::test]
async fn get_with_params_and_headers_reaches_the_server() {
    let server = Server::http(|req| async move {
        let body = format!(
            "{} {} {}",
            req.method,
            req.uri,
            req.header_all("x-blah").join(",")
        );
        reply(200, body)
    });
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    let resp = client
        .get(server.url("/get?a=1"))
        .params([("foo", vec!["bar", "baz"])])
        .header("X-Blah", vec!["Foo", "Bar"])
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.phrase(), "OK");
    assert_eq!(
        resp.text().await.unwrap(),
        "GET /get?a=1&foo=bar&foo=baz Foo,Bar"
    );
}
