//! Fault scenarios: certificates a client must refuse (expired, not yet
//! valid, self-signed, for another host), made with rcgen at test time. Each
//! is a TLS error, and its message says why.

use crate::support::bounded;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::server::{reply, RawServer, Server};
use crate::support::tls::TestPki;
use crate::support::wire::reset;
use treq::agent::RootStore;
use treq::HyperAgent;

/// A client that trusts only the test CA of `pki`.
fn trusting(pki: &TestPki) -> treq::HttpClient<HyperAgent> {
    let agent = HyperAgent::builder()
        .root_store(RootStore::None)
        .add_root_certificate_pem(&pki.ca_pem)
        .build()
        .unwrap();
    treq::HttpClient::new(agent)
}

/// The error and all its sources, joined: what a log line shows.
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

/// Connects to a server presenting `pki`'s certificate as `localhost`,
/// trusting `pki`'s CA: the handshake must fail as a TLS error whose text
/// contains `reason`, and the handler must never run.
async fn assert_refused(pki: &TestPki, reason: &str) {
    let server = Server::https(pki.server_config(&[b"h2", b"http/1.1"]), |_| async {
        panic!("a request went through a refused handshake")
    });
    let url = server.url_with_host("localhost", "/");
    match trusting(pki).get(&url).await {
        Ok(resp) => panic!("{reason}: the certificate was accepted ({})", resp.code()),
        Err(err) => {
            assert!(err.is_tls(), "{reason}: {err:?}");
            assert!(err.is_connect(), "{reason}: {err:?}");
            assert!(!err.is_request() && !err.is_timeout(), "{reason}: {err:?}");
            let text = chain(&err);
            assert!(
                text.contains(reason),
                "the message does not say {reason:?}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    bounded("expired certificate", async {
        let pki = TestPki::with_leaf(&["localhost"], |leaf| {
            leaf.not_before = rcgen::date_time_ymd(2000, 1, 1);
            leaf.not_after = rcgen::date_time_ymd(2001, 1, 1);
        });
        assert_refused(&pki, "expired").await;
    })
    .await;
}

#[tokio::test]
async fn a_certificate_not_yet_valid_is_refused() {
    bounded("not-yet-valid certificate", async {
        let pki = TestPki::with_leaf(&["localhost"], |leaf| {
            leaf.not_before = rcgen::date_time_ymd(2999, 1, 1);
            leaf.not_after = rcgen::date_time_ymd(3000, 1, 1);
        });
        assert_refused(&pki, "not valid yet").await;
    })
    .await;
}

#[tokio::test]
async fn a_self_signed_certificate_is_refused() {
    bounded("self-signed certificate", async {
        let pki = TestPki::self_signed(&["localhost"]);
        assert_refused(&pki, "UnknownIssuer").await;
    })
    .await;
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused() {
    bounded("wrong-host certificate", async {
        let pki = TestPki::new(&["other.example"]);
        assert_refused(&pki, "not valid for name").await;
    })
    .await;
}

#[tokio::test]
async fn a_certificate_only_for_client_authentication_is_refused() {
    bounded("client-auth-only certificate", async {
        let pki = TestPki::with_leaf(&["localhost"], |leaf| {
            leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        });
        assert_refused(
            &pki,
            "does not allow extended key usage for server authentication",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_valid_certificate_from_the_same_helpers_is_accepted() {
    // The refusals above are about the certificates, not the setup: a leaf
    // made the same way, valid now and for the host, goes through.
    bounded("valid certificate", async {
        let pki = TestPki::with_leaf(&["localhost"], |leaf| {
            leaf.not_before = rcgen::date_time_ymd(2000, 1, 1);
            leaf.not_after = rcgen::date_time_ymd(3000, 1, 1);
        });
        let server = Server::https(pki.server_config(&[b"http/1.1"]), |_| async {
            reply(200, "trusted")
        });
        let resp = trusting(&pki)
            .get(server.url_with_host("localhost", "/"))
            .await
            .unwrap();
        assert_eq!(resp.text().await.unwrap(), "trusted");
    })
    .await;
}

/// A TCP server that reads the ClientHello, then does `after` with the socket.
fn breaking_handshake<F, Fut>(after: F) -> RawServer
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let after = std::sync::Arc::new(after);
    RawServer::start(move |mut stream| {
        let after = after.clone();
        async move {
            let mut hello = [0u8; 4096];
            let _ = stream.read(&mut hello).await;
            after(stream).await;
        }
    })
}

#[tokio::test]
async fn a_handshake_cut_by_the_server_is_a_connect_error() {
    bounded("handshake cut", async {
        let closing = breaking_handshake(|stream| async move { drop(stream) });
        let resetting = breaking_handshake(|stream| async move { reset(stream) });
        for (what, server) in [("close", closing), ("reset", resetting)] {
            let url = server.url("/").replacen("http:", "https:", 1);
            let err = treq::HttpClient::new(HyperAgent::new())
                .get(&url)
                .await
                .unwrap_err();
            assert!(err.is_connect(), "{what}: {err:?}");
            assert!(!err.is_request() && !err.is_timeout(), "{what}: {err:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_fatal_alert_or_an_oversized_record_is_a_tls_error() {
    bounded("alert and oversized record", async {
        // A TLS alert record: fatal (2), handshake_failure (40).
        let alert = breaking_handshake(|mut stream| async move {
            let _ = stream
                .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])
                .await;
            let _ = stream.shutdown().await;
        });
        // A handshake record header claiming 65535 bytes, past the TLS limit.
        let oversized = breaking_handshake(|mut stream| async move {
            let _ = stream.write_all(&[0x16, 0x03, 0x03, 0xff, 0xff]).await;
            let _ = stream.write_all(&[0u8; 70_000]).await;
            let _ = stream.shutdown().await;
        });
        for (what, server, reason) in [
            ("alert", alert, "HandshakeFailure"),
            ("oversized record", oversized, "MessageTooLarge"),
        ] {
            let url = server.url("/").replacen("http:", "https:", 1);
            let err = treq::HttpClient::new(HyperAgent::new())
                .get(&url)
                .await
                .unwrap_err();
            assert!(err.is_tls() && err.is_connect(), "{what}: {err:?}");
            assert!(chain(&err).contains(reason), "{what}: {}", chain(&err));
        }
    })
    .await;
}
