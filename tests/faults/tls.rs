//! Fault scenarios: certificates a client must refuse (expired, not yet
//! valid, self-signed, for another host), made with rcgen at test time. Each
//! is a TLS error, and its message says why.

use crate::support::bounded;
use crate::support::server::{reply, Server};
use crate::support::tls::TestPki;
use treq::{HyperAgent, RootStore};

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
