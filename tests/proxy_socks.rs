//! SOCKS5 against an in-process server that records the destination each
//! CONNECT names: the port, and where the name is resolved (`socks5://`
//! here, with the agent's resolver; `socks5h://` by the proxy).

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::bounded;
use support::proxies::RecordingSocks5;
use support::server::{reply, Server};
use support::tls::TestPki;
use treq::agent::HyperAgent;
use treq::agent::{Addrs, HyperAgentBuilder, Name, Resolve, Resolving, RootStore};
use treq::{HttpClient, Proxy};

/// An agent builder whose every request goes through `proxy`.
fn via(proxy: String) -> HyperAgentBuilder {
    HyperAgent::builder().no_proxy().proxy(Proxy::all(proxy))
}

fn through(proxy: String) -> HttpClient<HyperAgent> {
    HttpClient::new(via(proxy).build().unwrap())
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

/// Resolves every name to one address.
struct Everything(SocketAddr);

impl Resolve for Everything {
    fn resolve(&self, _name: Name) -> Resolving {
        let addr = self.0;
        Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) })
    }
}

/// A resolver that never answers (a DNS server that drops every query).
struct Silent;

impl Resolve for Silent {
    fn resolve(&self, _name: Name) -> Resolving {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn socks5_resolves_names_with_the_agents_overrides_and_resolver() {
    let socks = RecordingSocks5::start().await;
    let pinned = |builder: HyperAgentBuilder| {
        let builder = builder
            .resolve("pinned.test", [SocketAddr::from(([127, 0, 0, 9], 0))])
            .resolve("ported.test", [SocketAddr::from(([127, 0, 0, 10], 9090))]);
        HttpClient::new(builder.build().unwrap())
    };
    // As on a direct connection: the URL's port, else the address's own
    // when it is not 0.
    let local = pinned(via(socks.url("socks5")));
    answered(&local, "http://pinned.test:8080/").await;
    answered(&local, "http://ported.test/").await;
    let custom =
        via(socks.url("socks5")).dns_resolver(Everything(SocketAddr::from(([127, 0, 0, 7], 0))));
    answered(
        &HttpClient::new(custom.build().unwrap()),
        "http://any.test/",
    )
    .await;
    // socks5h:// sends the name to the proxy, overrides or not.
    answered(
        &pinned(via(socks.url("socks5h"))),
        "http://pinned.test:8080/",
    )
    .await;
    assert_eq!(
        socks.seen(),
        [
            "127.0.0.9:8080",
            "127.0.0.10:9090",
            "127.0.0.7:80",
            "pinned.test:8080"
        ]
    );
}

#[tokio::test]
async fn socks5_to_an_overridden_https_host_checks_the_certificate_for_the_name() {
    let pki = TestPki::new(&["api.socks.test"]);
    let origin = Server::https(pki.server_config(&[b"h2", b"http/1.1"]), |_| async {
        reply(200, "over tls")
    });
    let socks = RecordingSocks5::piping().await;
    let agent = via(socks.url("socks5"))
        .resolve("api.socks.test", [origin.addr()])
        .root_store(RootStore::None)
        .add_root_certificate_pem(&pki.ca_pem)
        .build()
        .unwrap();
    let url = "https://api.socks.test/";
    let response = bounded(url, HttpClient::new(agent).get(url).send())
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "over tls");
    assert_eq!(socks.seen(), [origin.addr().to_string()]);
}

#[tokio::test]
async fn a_socks5_lookup_that_never_answers_fails_within_the_connect_timeout() {
    let socks = RecordingSocks5::start().await;
    let agent = via(socks.url("socks5"))
        .dns_resolver(Silent)
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = bounded(
        "silent resolver",
        HttpClient::new(agent).get("http://silent.test/").send(),
    )
    .await
    .unwrap_err();
    // The lookup is the client's, not the proxy's: a connect timeout.
    assert!(
        err.is_connect() && err.is_timeout() && !err.is_proxy(),
        "{err:?}"
    );
    assert!(
        format!("{err:?}").contains("resolving silent.test took longer than the connect timeout"),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(socks.seen().is_empty(), "{:?}", socks.seen());
}
