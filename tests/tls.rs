//! HTTPS against a rustls server whose CA is made at test time: trust, name
//! checks, and HTTP/2 or HTTP/1.1 chosen by ALPN.

mod support;

use http::Version;
use support::server::{reply, Server};
use support::tls::TestPki;
use treq::agent::RootStore;
use treq::HyperAgent;

fn trusting(pki: &TestPki, roots: RootStore) -> treq::HttpClient<HyperAgent> {
    let agent = HyperAgent::builder()
        .root_store(roots)
        .add_root_certificate_pem(&pki.ca_pem)
        .build()
        .unwrap();
    treq::HttpClient::new(agent)
}

fn https_server(pki: &TestPki, alpn: &[&[u8]]) -> Server {
    Server::https(pki.server_config(alpn), |req| async move {
        reply(200, format!("{:?} {}", req.version, req.uri.path()))
    })
}

#[tokio::test]
async fn accepted_with_the_test_ca_and_http2_is_negotiated() {
    let pki = TestPki::new(&["localhost"]);
    let server = https_server(&pki, &[b"h2", b"http/1.1"]);
    for roots in [RootStore::None, RootStore::Webpki] {
        let client = trusting(&pki, roots);
        let resp = client
            .get(server.url_with_host("localhost", "/secure"))
            .await
            .unwrap();
        assert_eq!(resp.code(), 200);
        assert_eq!(resp.version(), Version::HTTP_2);
        assert_eq!(resp.text().await.unwrap(), "HTTP/2.0 /secure");
    }
}

#[tokio::test]
async fn http11_when_the_server_only_offers_it() {
    let pki = TestPki::new(&["localhost"]);
    let server = https_server(&pki, &[b"http/1.1"]);
    let client = trusting(&pki, RootStore::None);
    let resp = client
        .get(server.url_with_host("localhost", "/"))
        .await
        .unwrap();
    assert_eq!(resp.version(), Version::HTTP_11);
    assert_eq!(resp.text().await.unwrap(), "HTTP/1.1 /");
}

#[tokio::test]
async fn http2_requests_share_one_connection() {
    let pki = TestPki::new(&["localhost"]);
    let server = https_server(&pki, &[b"h2"]);
    let client = trusting(&pki, RootStore::None);
    let url = server.url_with_host("localhost", "/");
    let (a, b) = tokio::join!(client.get(&url).send(), client.get(&url).send());
    // Sequential requests after the first concurrent pair reuse the connection too.
    assert_eq!(a.unwrap().version(), Version::HTTP_2);
    assert_eq!(b.unwrap().version(), Version::HTTP_2);
    for _ in 0..5 {
        client.get(&url).await.unwrap().content().await.unwrap();
    }
    assert!(server.accepted() <= 2, "accepted {}", server.accepted());
}

#[tokio::test]
async fn rejected_without_the_ca() {
    let pki = TestPki::new(&["localhost"]);
    let server = https_server(&pki, &[b"h2", b"http/1.1"]);
    let url = server.url_with_host("localhost", "/");
    for agent in [
        HyperAgent::new(),
        HyperAgent::builder()
            .root_store(RootStore::None)
            .build()
            .unwrap(),
    ] {
        let err = treq::HttpClient::new(agent).get(&url).await.unwrap_err();
        assert!(err.is_tls(), "{err:?}");
        assert!(err.is_connect(), "{err:?}");
        assert_eq!(err.url().map(|u| u.as_str()), Some(url.as_str()));
    }
}

#[tokio::test]
async fn rejected_for_a_wrong_host_name() {
    // The certificate names only `localhost`; connecting by IP must fail.
    let pki = TestPki::new(&["localhost"]);
    let server = https_server(&pki, &[b"http/1.1"]);
    let client = trusting(&pki, RootStore::None);
    let err = client.get(server.url("/")).await.unwrap_err();
    assert!(err.is_tls(), "{err:?}");

    // A certificate for another name entirely.
    let other = TestPki::new(&["other.example"]);
    let server = https_server(&other, &[b"http/1.1"]);
    let client = trusting(&other, RootStore::None);
    let err = client
        .get(server.url_with_host("localhost", "/"))
        .await
        .unwrap_err();
    assert!(err.is_tls(), "{err:?}");
}

#[test]
fn an_invalid_der_root_is_a_build_error() {
    let err = HyperAgent::builder()
        .add_root_certificate_der(b"not DER".to_vec())
        .build()
        .unwrap_err();
    assert!(err.is_builder(), "{err:?}");
    let pki = TestPki::new(&["localhost"]);
    HyperAgent::builder()
        .root_store(RootStore::None)
        .add_root_certificate_der(pki.ca_der)
        .build()
        .unwrap();
}

#[tokio::test]
async fn a_der_root_is_trusted_too() {
    let pki = TestPki::new(&["localhost"]);
    let server = https_server(&pki, &[b"h2"]);
    let agent = HyperAgent::builder()
        .root_store(RootStore::None)
        .add_root_certificate_der(pki.ca_der.clone())
        .build()
        .unwrap();
    let resp = treq::HttpClient::new(agent)
        .get(server.url_with_host("localhost", "/der"))
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "HTTP/2.0 /der");
}

#[tokio::test]
async fn a_plain_http_server_is_a_tls_error_for_https() {
    let plain = Server::http(|_| async { reply(200, "plain") });
    let url = plain.url("/").replacen("http:", "https:", 1);
    let err = treq::get(url).await.unwrap_err();
    assert!(err.is_tls(), "{err:?}");
}

#[tokio::test]
async fn a_certificate_for_the_ip_address_is_accepted() {
    let pki = TestPki::new(&["127.0.0.1"]);
    let server = https_server(&pki, &[b"http/1.1"]);
    let client = trusting(&pki, RootStore::None);
    let resp = client.get(server.url("/ip")).await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "HTTP/1.1 /ip");
}

#[tokio::test]
async fn http2_only_agent_fails_against_an_http11_only_server() {
    let pki = TestPki::new(&["localhost"]);
    let server = https_server(&pki, &[b"http/1.1"]);
    let agent = HyperAgent::builder()
        .root_store(RootStore::None)
        .add_root_certificate_pem(&pki.ca_pem)
        .http2_only()
        .build()
        .unwrap();
    let result = treq::HttpClient::new(agent)
        .get(server.url_with_host("localhost", "/"))
        .await;
    // The server refuses a client that offers no protocol it speaks
    // (alert NoApplicationProtocol): an error, never a silent downgrade.
    let err = result.unwrap_err();
    assert!(err.is_tls(), "{err:?}");
}

#[tokio::test]
async fn persistent_false_still_works_over_http2() {
    // HTTP/2 forbids `Connection: close`; the request must still succeed.
    let pki = TestPki::new(&["localhost"]);
    let server = https_server(&pki, &[b"h2"]);
    let client = trusting(&pki, RootStore::None);
    let resp = client
        .get(server.url_with_host("localhost", "/np"))
        .persistent(false)
        .await
        .unwrap();
    assert_eq!(resp.version(), Version::HTTP_2);
    assert_eq!(resp.text().await.unwrap(), "HTTP/2.0 /np");
}

#[tokio::test]
async fn an_http2_stream_reset_mid_body_is_a_body_error() {
    use http_body_util::BodyExt;
    let pki = TestPki::new(&["localhost"]);
    let server = Server::https(pki.server_config(&[b"h2"]), |_| async {
        // The head and a first chunk go out; later the handler fails.
        let frames = futures_util::stream::unfold(0, |step| async move {
            match step {
                0 => Some((
                    Ok(hyper::body::Frame::data(bytes::Bytes::from("partial"))),
                    1,
                )),
                1 => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    Some((Err(std::io::Error::other("handler failed mid-body")), 2))
                }
                _ => None,
            }
        });
        http::Response::builder()
            .header("content-length", "1000")
            .body(http_body_util::StreamBody::new(frames).boxed())
            .unwrap()
    });
    let client = trusting(&pki, RootStore::None);
    let resp = client
        .get(server.url_with_host("localhost", "/"))
        .await
        .unwrap();
    assert_eq!(resp.version(), Version::HTTP_2);
    let err = resp.content().await.unwrap_err();
    assert!(err.is_body(), "{err:?}");
}

#[tokio::test]
async fn a_server_silent_in_the_tls_handshake_fails_within_the_connect_timeout() {
    // Accepts the TCP connection, then never answers the ClientHello.
    let server = support::server::RawServer::start(|stream| async move {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        drop(stream);
    });
    let agent = HyperAgent::builder()
        .connect_timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = support::bounded(
        "silent TLS handshake",
        treq::HttpClient::new(agent)
            .get(server.url("/").replacen("http:", "https:", 1))
            .send(),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect() && err.is_timeout(), "{err:?}");
    assert!(
        format!("{err:?}").contains("TLS handshake took longer than the connect timeout"),
        "{err:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
