//! SOCKS5 against an in-process server that records the destination each
//! CONNECT names: the port, and where the name is resolved (`socks5://`
//! here, with the agent's resolver; `socks5h://` by the proxy).

mod support;

use support::bounded;
use support::proxies::RecordingSocks5;
use treq::agent::HyperAgent;
use treq::{HttpClient, Proxy};

/// A client whose every request goes through `proxy`.
fn through(proxy: String) -> HttpClient<HyperAgent> {
    let agent = HyperAgent::builder()
        .no_proxy()
        .proxy(Proxy::all(proxy))
        .build()
        .unwrap();
    HttpClient::new(agent)
}

/// GETs `url` and expects the recording server's own answer.
async fn answered(client: &HttpClient<HyperAgent>, url: &str) {
    let response = bounded(url, client.get(url).send()).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "ok", "{url}");
}

#[tokio::test]
async fn socks5_names_port_80_for_an_http_url_without_a_port() {
    let socks = RecordingSocks5::start().await;
    let named = through(socks.url("socks5h"));
    answered(&named, "http://localhost/").await;
    answered(&named, "http://[::1]/").await;
    answered(&named, "http://localhost:8081/").await;
    let local = through(socks.url("socks5"));
    answered(&local, "http://127.0.0.1/").await;
    answered(&local, "http://[::1]/").await;
    assert_eq!(
        socks.seen(),
        [
            "localhost:80",
            "[::1]:80",
            "localhost:8081",
            "127.0.0.1:80",
            "[::1]:80"
        ]
    );
}
