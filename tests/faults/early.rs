//! A server that answers before the upload ends (an early `413`, as nginx
//! sends for a body over its limit) and closes: the answer is the
//! response, over http and https, though the rest of the body can no
//! longer be written.

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::support::bounded;
use crate::support::server::RawServer;
use crate::support::tls::TestPki;
use crate::support::wire::read_head;

const TOO_LARGE: &[u8] =
    b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 8\r\nconnection: close\r\n\r\ntoo big!";

/// Reads the request head only, answers 413 and closes as nginx does: the
/// answer and the end of the stream first, then, a moment later, the
/// socket (with the unread body: a reset).
async fn refuse_the_body<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) {
    read_head(&mut stream).await;
    let _ = stream.write_all(TOO_LARGE).await;
    let _ = stream.shutdown().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
}

/// 16 MiB: far more than the socket buffers take before the server closes.
fn large_body() -> Vec<u8> {
    vec![b'x'; 16 << 20]
}

#[tokio::test]
async fn an_early_413_over_http_is_the_response() {
    let server = RawServer::start(refuse_the_body);
    let client = treq::HttpClient::new(treq::HyperAgent::builder().no_proxy().build().unwrap());
    let response = bounded(
        "early 413",
        client.post(server.url("/upload")).data(large_body()).send(),
    )
    .await
    .unwrap();
    assert_eq!(response.code(), 413);
    assert_eq!(response.text().await.unwrap(), "too big!");
}

#[tokio::test]
async fn an_early_413_over_https_is_the_response() {
    let pki = TestPki::new(&["localhost"]);
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(pki.server_config(&[b"http/1.1"])));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(socket).await {
                    refuse_the_body(tls).await;
                }
            });
        }
    });
    let agent = treq::HyperAgent::builder()
        .no_proxy()
        .root_store(treq::agent::RootStore::None)
        .add_root_certificate_pem(&pki.ca_pem)
        .build()
        .unwrap();
    let client = treq::HttpClient::new(agent);
    let url = format!("https://localhost:{port}/upload");
    let response = bounded(
        "early 413 over TLS",
        client.post(url).data(large_body()).send(),
    )
    .await
    .unwrap();
    assert_eq!(response.code(), 413);
    assert_eq!(response.text().await.unwrap(), "too big!");
}
