//! Memory check: a server sends a gzip bomb, about 1 MB on the wire that
//! expands to 1 GiB of zeros, and the client reads it buffered (`content()`)
//! under the default body limit of 128 MiB. The read must fail with
//! `BodyLimitExceeded` once 128 MiB are decoded; peak memory stays near that
//! limit, never near 1 GiB.
//!
//! The loopback server in this file builds the bomb cheaply: one gzip member
//! of 1 MiB of zeros, repeated 1024 times (RFC 1952 allows many members).
//!
//! ```text
//! cargo build --release --example rss_gzip_bomb
//! /usr/bin/time -v target/release/examples/rss_gzip_bomb
//! ```
//! and read "Maximum resident set size". Exits non-zero unless the read fails
//! with the body limit.

use std::convert::Infallible;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;

/// The default `max_body_size` of treq.
const DEFAULT_LIMIT: u64 = 128 << 20;

async fn gzip_bomb() -> Bytes {
    let zeros = vec![0u8; 1 << 20];
    let mut member = Vec::new();
    async_compression::tokio::bufread::GzipEncoder::with_quality(
        &zeros[..],
        async_compression::Level::Best,
    )
    .read_to_end(&mut member)
    .await
    .unwrap();
    Bytes::from(member.repeat(1024))
}

/// Starts the server; every request gets the bomb with `Content-Encoding: gzip`.
async fn serve(bomb: Bytes) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let bomb = bomb.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| {
                    let bomb = bomb.clone();
                    async move {
                        let resp = http::Response::builder()
                            .header("content-encoding", "gzip")
                            .body(Full::new(bomb))
                            .unwrap();
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bomb = gzip_bomb().await;
    println!("bomb: {} bytes of gzip, 1 GiB decoded", bomb.len());
    let addr = serve(bomb).await;
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    let start = Instant::now();
    let resp = client.get(format!("http://{addr}/bomb")).await?;
    let outcome = resp.content().await;
    let secs = start.elapsed().as_secs_f64();
    match outcome {
        Ok(body) => Err(format!("the read succeeded ({} bytes): it must fail", body.len()).into()),
        Err(err) => match err.kind() {
            treq::error::ErrorKind::BodyLimitExceeded { limit } if *limit == DEFAULT_LIMIT => {
                println!("stopped as expected after {secs:.2} s: {err}");
                Ok(())
            }
            _ => Err(format!("expected the {DEFAULT_LIMIT}-byte body limit, got {err:?}").into()),
        },
    }
}
