//! Memory check: download a gzip stream that decompresses to exactly 1 GiB,
//! unbuffered, and count the bytes. Peak memory must stay flat (target: under
//! 64 MiB RSS), showing decompression streams instead of buffering.
//!
//! The loopback server in this file generates the data and gzips it on the
//! fly (nothing is stored). The client keeps the default 1 GiB decompression
//! limit, which lets exactly 1 GiB through (the limit fails only past it).
//!
//! ```text
//! cargo build --release --example rss_gzip_download
//! /usr/bin/time -v target/release/examples/rss_gzip_download       # 1 GiB
//! target/release/examples/rss_gzip_download 16                       # 16 MiB (CI smoke run)
//! ```
//! and read "Maximum resident set size".

use std::convert::Infallible;
use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::StreamBody;
use hyper_util::rt::TokioIo;

const BLOCK: usize = 64 * 1024;

/// Starts the server; every request gets `total` bytes of text, gzipped, chunked.
async fn serve(total: u64) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| async move {
                    Ok::<_, Infallible>(gzip_response(total))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

fn gzip_response(
    total: u64,
) -> http::Response<
    StreamBody<impl futures_util::Stream<Item = Result<http_body::Frame<Bytes>, std::io::Error>>>,
> {
    // A 64 KiB block of varied text, repeated: compresses well but not trivially.
    let block: Bytes = (0..BLOCK)
        .map(|i| b"the quick brown fox jumps over the lazy dog 0123456789\n"[(i * 7 + i / 55) % 55])
        .collect::<Vec<u8>>()
        .into();
    let plain = futures_util::stream::iter(
        (0..total / BLOCK as u64).map(move |_| Ok::<_, std::io::Error>(block.clone())),
    );
    let reader = tokio_util::io::StreamReader::new(plain);
    let encoder = async_compression::tokio::bufread::GzipEncoder::with_quality(
        reader,
        async_compression::Level::Fastest,
    );
    let frames = tokio_util::io::ReaderStream::with_capacity(encoder, BLOCK)
        .map(|chunk| chunk.map(http_body::Frame::data));
    http::Response::builder()
        .header("content-type", "text/plain")
        .header("content-encoding", "gzip")
        .body(StreamBody::new(frames))
        .unwrap()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Size in MiB (a multiple of 64 KiB); 1 GiB by default.
    let mib: u64 = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 1024,
    };
    let expected = mib << 20;
    let addr = serve(expected).await;
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    let start = Instant::now();
    let resp = client
        .get(format!("http://{addr}/gzip-1gib"))
        .unbuffered(true)
        .await?;
    assert!(resp.headers().get("content-encoding").is_none());
    assert_eq!(resp.length(), None);
    let mut total = 0u64;
    let mut chunks = 0u64;
    resp.collect(|chunk| {
        total += chunk.len() as u64;
        chunks += 1;
    })
    .await?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "decompressed {total} bytes in {chunks} chunks in {secs:.2} s ({:.0} MiB/s)",
        total as f64 / secs / (1 << 20) as f64
    );
    if total != expected {
        return Err(format!("expected {expected} bytes, got {total}").into());
    }
    Ok(())
}
