//! The transport settings of `HyperAgent` against real loopback servers: DNS
//! overrides and resolvers (with real SNI and certificate checks), client
//! certificates, h2c with prior knowledge, the local address, TCP keepalive
//! and Unix domain sockets. Every test is bounded by `support::bounded`.

mod support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Version;
use std::future::IntoFuture;

use support::bounded;
use support::listeners::{self, Serve};
use support::mtls::MutualPki;
use support::server::{reply, Server};
use treq::agent::{Addrs, Name, Resolve, Resolving, RootStore};
use treq::HyperAgent;

/// Runs a request (or any future) within the test bound.
async fn within<F: IntoFuture>(what: &str, request: F) -> F::Output {
    bounded(what, request.into_future()).await
}

/// The error and all its sources, joined.
fn chain(err: &treq::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

fn trusting(ca_pem: &str) -> treq::agent::HyperAgentBuilder {
    HyperAgent::builder()
        .root_store(RootStore::None)
        .add_root_certificate_pem(ca_pem)
}

// ---- DNS ----

#[tokio::test]
async fn a_resolve_override_reaches_loopback_with_the_real_name_checked() {
    let pki = MutualPki::new(&["api.example.test"]);
    // The server has a certificate only for the SNI name api.example.test.
    let server = Server::https(
        pki.server_answering_only_sni("api.example.test", &[b"h2", b"http/1.1"]),
        // HTTP/2 carries the host in the URI (`:authority`), not in `Host`.
        |req| async move { reply(200, req.uri.host().unwrap_or("-").to_string()) },
    );
    let agent = trusting(&pki.ca_pem)
        .resolve("api.example.test", [server.addr()])
        .build()
        .unwrap();
    let client = treq::HttpClient::new(agent);
    // No port in the URL: the override's port is used.
    let resp = within("override", client.get("https://api.example.test/hello"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.version(), Version::HTTP_2, "ALPN still negotiated");
    assert_eq!(resp.text().await.unwrap(), "api.example.test");
    // A port in the URL wins over the override's.
    let url = format!("https://api.example.test:{}/", server.addr().port());
    let resp = within("override with port", client.get(&url))
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
}

#[tokio::test]
async fn a_resolve_override_still_checks_the_certificate_name() {
    let pki = MutualPki::new(&["api.example.test"]);
    let server = Server::https(
        pki.server_answering_only_sni("api.example.test", &[b"http/1.1"]),
        |_| async { panic!("a request went through a refused handshake") },
    );
    // Another name sent to the same server: its certificate does not match.
    let agent = trusting(&pki.ca_pem)
        .resolve("other.example.test", [server.addr()])
        .build()
        .unwrap();
    let err = within(
        "wrong name",
        treq::HttpClient::new(agent).get("https://other.example.test/"),
    )
    .await
    .unwrap_err();
    assert!(err.is_tls(), "{err:?}");
}

/// Answers every name with one address and records the names asked.
struct Recording {
    addr: SocketAddr,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Resolve for Recording {
    fn resolve(&self, name: Name) -> Resolving {
        self.asked.lock().unwrap().push(name.as_str().to_string());
        let addr = self.addr;
        Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) })
    }
}

#[tokio::test]
async fn a_custom_resolver_is_asked_for_the_host() {
    let server =
        Server::http(|req| async move { reply(200, req.header("host").unwrap().to_string()) });
    let asked = Arc::new(Mutex::new(Vec::new()));
    let agent = HyperAgent::builder()
        .dns_resolver(Recording {
            addr: server.addr(),
            asked: asked.clone(),
        })
        .build()
        .unwrap();
    let client = treq::HttpClient::new(agent);
    let url = format!("http://service.internal.test:{}/", server.addr().port());
    let resp = within("custom resolver", client.get(&url)).await.unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(
        resp.text().await.unwrap(),
        format!("service.internal.test:{}", server.addr().port())
    );
    assert_eq!(*asked.lock().unwrap(), ["service.internal.test"]);
}

#[tokio::test]
async fn overrides_come_before_the_custom_resolver() {
    let server = Server::http(|_| async { reply(200, "ok") });
    let asked = Arc::new(Mutex::new(Vec::new()));
    let agent = HyperAgent::builder()
        .resolve("fixed.test", [server.addr()])
        .dns_resolver(Recording {
            addr: SocketAddr::from(([127, 0, 0, 1], 9)),
            asked: asked.clone(),
        })
        .build()
        .unwrap();
    let url = format!("http://FIXED.test:{}/", server.addr().port());
    let resp = within("override first", treq::HttpClient::new(agent).get(&url))
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    assert!(asked.lock().unwrap().is_empty(), "{asked:?}");
}

struct Failing;

impl Resolve for Failing {
    fn resolve(&self, name: Name) -> Resolving {
        let msg = format!("no address for {name}");
        Box::pin(async move { Err(msg.into()) })
    }
}

#[tokio::test]
async fn a_resolver_error_is_a_connect_error() {
    let agent = HyperAgent::builder().dns_resolver(Failing).build().unwrap();
    let err = within(
        "failing resolver",
        treq::HttpClient::new(agent).get("http://nowhere.test/"),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.is_tls() && !err.is_timeout(), "{err:?}");
    assert!(
        chain(&err).contains("no address for nowhere.test"),
        "{}",
        chain(&err)
    );
}

/// A resolver that never answers (a DNS server that drops every query).
struct Silent;

impl Resolve for Silent {
    fn resolve(&self, _name: Name) -> Resolving {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_lookup_that_never_answers_fails_within_the_connect_timeout() {
    let agent = HyperAgent::builder()
        .dns_resolver(Silent)
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    // `within` fails the test (instead of hanging) if the lookup is unbounded.
    let err = within(
        "silent resolver",
        treq::HttpClient::new(agent).get("http://silent.test/"),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect() && err.is_timeout(), "{err:?}");
    assert!(
        chain(&err).contains("resolving silent.test took longer than the connect timeout"),
        "{}",
        chain(&err)
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

// ---- client certificates ----

fn mtls_server(pki: &MutualPki, alpn: &[&[u8]]) -> Server {
    Server::https(pki.server_requiring_client_cert(alpn), |_| async {
        reply(200, "hello, client")
    })
}

const H2_AND_H1: &[&[u8]] = &[b"h2", b"http/1.1"];
const H1_ONLY: &[&[u8]] = &[b"http/1.1"];

#[tokio::test]
async fn a_server_requiring_a_client_certificate_accepts_the_identity() {
    let pki = MutualPki::new(&["localhost"]);
    for (alpn, version) in [(H2_AND_H1, Version::HTTP_2), (H1_ONLY, Version::HTTP_11)] {
        let server = mtls_server(&pki, alpn);
        let url = server.url_with_host("localhost", "/");
        let pem = trusting(&pki.ca_pem)
            .identity_pem(&pki.client_cert_pem, &pki.client_key_pem)
            .build()
            .unwrap();
        let resp = within("identity_pem", treq::HttpClient::new(pem).get(&url))
            .await
            .unwrap();
        assert_eq!(resp.code(), 200);
        assert_eq!(resp.version(), version);
        assert_eq!(resp.text().await.unwrap(), "hello, client");
        let der = trusting(&pki.ca_pem)
            .identity_der(pki.client_cert_der.clone(), pki.client_key_der.clone())
            .build()
            .unwrap();
        let resp = within("identity_der", treq::HttpClient::new(der).get(&url))
            .await
            .unwrap();
        assert_eq!(resp.code(), 200);
    }
}

/// Sends a request with `agent` to a server that requires a client
/// certificate, over HTTP/2 and over HTTP/1.1: both must fail as TLS errors
/// saying why.
async fn assert_refused(pki: &MutualPki, agent: impl Fn() -> HyperAgent, reason: &str) {
    for alpn in [H2_AND_H1, H1_ONLY] {
        let server = mtls_server(pki, alpn);
        let url = server.url_with_host("localhost", "/");
        let err = within("refused identity", treq::HttpClient::new(agent()).get(&url))
            .await
            .unwrap_err();
        assert!(err.is_tls(), "ALPN {alpn:?}: {err:?}");
        assert!(
            chain(&err).contains(reason),
            "ALPN {alpn:?}: {}",
            chain(&err)
        );
    }
}

#[tokio::test]
async fn without_an_identity_the_server_refuses_with_a_tls_error() {
    let pki = MutualPki::new(&["localhost"]);
    let agent = || trusting(&pki.ca_pem).build().unwrap();
    assert_refused(&pki, agent, "CertificateRequired").await;
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_with_a_tls_error() {
    let pki = MutualPki::new(&["localhost"]);
    let stranger = MutualPki::new(&["localhost"]);
    let agent = || {
        trusting(&pki.ca_pem)
            .identity_pem(&stranger.client_cert_pem, &stranger.client_key_pem)
            .build()
            .unwrap()
    };
    // Both CAs have the same name: the server finds the issuer by name and
    // rejects the signature.
    assert_refused(&pki, agent, "received fatal alert").await;
}

#[test]
fn an_unusable_identity_is_a_builder_error() {
    let pki = MutualPki::new(&["localhost"]);
    let other = MutualPki::new(&["localhost"]);
    let cases = [
        (
            "garbage",
            HyperAgent::builder().identity_pem("not pem", "not pem"),
        ),
        (
            "no key",
            HyperAgent::builder().identity_pem(&pki.client_cert_pem, &pki.client_cert_pem),
        ),
        (
            "key of another certificate",
            HyperAgent::builder().identity_pem(&pki.client_cert_pem, &other.client_key_pem),
        ),
        (
            "DER key that is no key",
            HyperAgent::builder().identity_der(pki.client_cert_der.clone(), vec![1, 2, 3]),
        ),
        (
            "with tls_config",
            HyperAgent::builder()
                .identity_pem(&pki.client_cert_pem, &pki.client_key_pem)
                .tls_config(
                    rustls::ClientConfig::builder_with_provider(Arc::new(
                        rustls::crypto::ring::default_provider(),
                    ))
                    .with_safe_default_protocol_versions()
                    .unwrap()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
                ),
        ),
    ];
    for (what, builder) in cases {
        let err = builder.build().expect_err(what);
        assert!(err.is_builder(), "{what}: {err:?}");
    }
}

// ---- h2c, local address, keepalive ----

#[tokio::test]
async fn http2_prior_knowledge_speaks_h2c_to_an_http2_only_server() {
    let server = listeners::tcp(Serve::Http2Only).await;
    let agent = HyperAgent::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let resp = within("h2c", treq::HttpClient::new(agent).get(server.url("/")))
        .await
        .unwrap();
    assert_eq!(resp.version(), Version::HTTP_2);
    assert!(resp.text().await.unwrap().starts_with("HTTP/2.0"));
    // The same server refuses a client that starts with HTTP/1.1.
    let plain = HyperAgent::builder().build().unwrap();
    let result = within(
        "h1 to h2-only",
        treq::HttpClient::new(plain).get(server.url("/")),
    )
    .await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn local_address_is_the_address_the_server_sees() {
    let server = listeners::tcp(Serve::Auto).await;
    // All of 127.0.0.0/8 is loopback on Linux; 127.0.0.2 is not the default source.
    let local = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let agent = HyperAgent::builder().local_address(local).build().unwrap();
    let resp = within(
        "local address",
        treq::HttpClient::new(agent).get(server.url("/")),
    )
    .await
    .unwrap();
    assert_eq!(resp.code(), 200);
    let default = HyperAgent::builder().build().unwrap();
    within(
        "default address",
        treq::HttpClient::new(default).get(server.url("/")),
    )
    .await
    .unwrap();
    let ips: Vec<IpAddr> = server
        .peers()
        .iter()
        .map(|peer| peer.parse::<SocketAddr>().unwrap().ip())
        .collect();
    assert_eq!(ips, [local, IpAddr::V4(Ipv4Addr::LOCALHOST)]);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn interface_binding_is_applied_to_every_connection() {
    // Bound to the loopback interface, a loopback server is reached; bound
    // to an interface that does not exist, the connect fails as a typed
    // error (the setting reaches the socket).
    let server = listeners::tcp(Serve::Auto).await;
    let lo = HyperAgent::builder().interface("lo").build().unwrap();
    let resp = within(
        "bound to lo",
        treq::HttpClient::new(lo).get(server.url("/")),
    )
    .await
    .unwrap();
    assert_eq!(resp.code(), 200);
    let nowhere = HyperAgent::builder()
        .interface("treq-none0")
        .build()
        .unwrap();
    let err = within(
        "bound to a missing interface",
        treq::HttpClient::new(nowhere).get(server.url("/")),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

#[tokio::test]
async fn a_local_address_of_the_other_family_is_a_connect_error() {
    let server = listeners::tcp(Serve::Auto).await;
    let agent = HyperAgent::builder()
        .local_address(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST))
        .build()
        .unwrap();
    let err = within(
        "ipv6 source to ipv4",
        treq::HttpClient::new(agent).get(server.url("/")),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

/// The kernel's timer on the IPv4 TCP socket from local port `port` to
/// `remote_port` (`/proc/net/tcp`'s `tr` column: 0 none, 1 retransmit,
/// 2 keepalive), if the socket exists.
#[cfg(target_os = "linux")]
fn tcp_timer(port: u16, remote_port: u16) -> Option<u8> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let port_of = |field: &str| u16::from_str_radix(field.rsplit(':').next()?, 16).ok();
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if port_of(fields[1])? != port || port_of(fields[2])? != remote_port {
            return None;
        }
        u8::from_str_radix(fields[5].split(':').next()?, 16).ok()
    })
}

/// Makes one request with `builder`'s agent, keeping the agent (and so its
/// idle pooled connection) alive, and returns whether the kernel ever shows
/// a keepalive timer on that connection within a second.
#[cfg(target_os = "linux")]
async fn idle_connection_has_keepalive_timer(builder: treq::agent::HyperAgentBuilder) -> bool {
    let server = listeners::tcp(Serve::Auto).await;
    let client = treq::HttpClient::new(builder.build().unwrap());
    let resp = within("keepalive", client.get(server.url("/")))
        .await
        .unwrap();
    resp.text().await.unwrap();
    let peer: SocketAddr = server.peers()[0].parse().unwrap();
    let server_port = server.addr.unwrap().port();
    for _ in 0..20 {
        if tcp_timer(peer.port(), server_port) == Some(2) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn tcp_keepalive_arms_the_kernels_keepalive_timer() {
    let with = HyperAgent::builder().tcp_keepalive(Duration::from_secs(30));
    assert!(idle_connection_has_keepalive_timer(with).await);
    assert!(!idle_connection_has_keepalive_timer(HyperAgent::builder()).await);
}

// ---- Unix domain sockets ----

#[cfg(unix)]
mod unix {
    use super::*;
    use support::listeners::TempDir;

    #[tokio::test]
    async fn every_request_goes_over_the_unix_socket() {
        let dir = TempDir::new("unix");
        let path = dir.0.join("api.sock");
        let server = listeners::unix(&path, Serve::Auto);
        let agent = HyperAgent::builder().unix_socket(&path).build().unwrap();
        let client = treq::HttpClient::new(agent);
        let resp = within("unix h1", client.get("http://docker/version"))
            .await
            .unwrap();
        assert_eq!(resp.version(), Version::HTTP_11);
        assert_eq!(resp.text().await.unwrap(), "HTTP/1.1 docker");
        // Another host name goes to the same socket, over the pooled connection.
        let resp = within("unix again", client.get("http://other.test:8080/x"))
            .await
            .unwrap();
        assert_eq!(resp.text().await.unwrap(), "HTTP/1.1 other.test:8080");
        assert_eq!(server.peers(), ["unix", "unix"]);
    }

    #[tokio::test]
    async fn a_unix_socket_speaks_h2c_with_prior_knowledge() {
        let dir = TempDir::new("unix-h2");
        let path = dir.0.join("h2.sock");
        let _server = listeners::unix(&path, Serve::Http2Only);
        let agent = HyperAgent::builder()
            .unix_socket(&path)
            .http2_prior_knowledge()
            .build()
            .unwrap();
        let resp = within(
            "unix h2c",
            treq::HttpClient::new(agent).get("http://docker/"),
        )
        .await
        .unwrap();
        assert_eq!(resp.version(), Version::HTTP_2);
        assert_eq!(resp.text().await.unwrap(), "HTTP/2.0 docker");
    }

    #[tokio::test]
    async fn a_missing_socket_is_a_connect_error_naming_its_path() {
        let dir = TempDir::new("unix-missing");
        let path = dir.0.join("nobody.sock");
        let agent = HyperAgent::builder().unix_socket(&path).build().unwrap();
        let err = within(
            "missing socket",
            treq::HttpClient::new(agent).get("http://docker/"),
        )
        .await
        .unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        assert!(chain(&err).contains("nobody.sock"), "{}", chain(&err));
    }
}
