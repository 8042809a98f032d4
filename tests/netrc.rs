//! `.netrc` through the client builder, read from `$NETRC`.
//!
//! One test in this binary: it sets `NETRC` for the whole process before any
//! other thread runs, so no other test can race on the environment.

mod support;

use support::server::{reply, Server, ServerRequest};
use treq::{HttpClient, HyperAgent};

#[test]
fn netrc_from_the_netrc_env_var() {
    let dir = std::env::temp_dir().join(format!("treq-netrc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("netrc");
    std::fs::write(
        &path,
        "# test file\nmachine 127.0.0.1\n  login alice\n  password \"s3 cret\"\n\
         macdef init\n  machine 127.0.0.1 login mallory password no\n\n\
         machine localhost login bob password b\n",
    )
    .unwrap();
    std::env::set_var("NETRC", &path);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Server::http(|req: ServerRequest| async move {
            reply(200, req.header("authorization").unwrap_or("-").to_owned())
        });
        let on = HttpClient::builder(HyperAgent::new()).netrc(true).build();
        let text = |r: treq::Response| async move { r.text().await.unwrap() };

        // base64("alice:s3 cret")
        let resp = on.get(server.url("/")).await.unwrap();
        assert_eq!(text(resp).await, "Basic YWxpY2U6czMgY3JldA==");
        // Another host name for the same server: that machine's entry.
        let resp = on
            .get(server.url_with_host("localhost", "/"))
            .await
            .unwrap();
        assert_eq!(text(resp).await, "Basic Ym9iOmI=");
        // The request's own auth or Authorization header wins.
        let resp = on.get(server.url("/")).auth(("x", "y")).await.unwrap();
        assert_eq!(text(resp).await, "Basic eDp5");
        let resp = on
            .get(server.url("/"))
            .header("Authorization", "Bearer t")
            .await
            .unwrap();
        assert_eq!(text(resp).await, "Bearer t");

        // Off by default.
        let off = HttpClient::new(HyperAgent::new());
        let resp = off.get(server.url("/")).await.unwrap();
        assert_eq!(text(resp).await, "-");

        // A malformed file is a clear error naming the file and line.
        std::fs::write(&path, "machine 127.0.0.1 login\n").unwrap();
        let fresh = HttpClient::builder(HyperAgent::new()).netrc(true).build();
        let err = fresh.get(server.url("/")).await.unwrap_err();
        assert!(err.is_builder(), "{err:?}");
        assert!(err.to_string().contains("line 1"), "{err}");
        // A missing file means no credentials.
        std::fs::remove_file(&path).unwrap();
        let fresh = HttpClient::builder(HyperAgent::new()).netrc(true).build();
        let resp = fresh.get(server.url("/")).await.unwrap();
        assert_eq!(text(resp).await, "-");
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
