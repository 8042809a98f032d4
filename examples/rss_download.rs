//! Memory check for downloads: starts its own loopback server that streams a
//! large body in 64 KiB chunks, downloads it with treq and checks the byte count.
//!
//! ```text
//! cargo build --release --example rss_download
//! /usr/bin/time -v target/release/examples/rss_download                 # 1 GiB, unbuffered + collect
//! /usr/bin/time -v target/release/examples/rss_download buffered 64     # 64 MiB, buffered content()
//! /usr/bin/time -v target/release/examples/rss_download buffered-chunked 64
//! /usr/bin/time -v target/release/examples/rss_download buffered-collect 64
//! ```
//!
//! Read "Maximum resident set size": unbuffered stays flat whatever the size;
//! a buffered body costs about its own size once (it is not copied twice).

use std::convert::Infallible;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::StreamBody;
use hyper::body::Frame;
use hyper_util::rt::TokioIo;

const CHUNK: usize = 64 * 1024;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Unbuffered,
    Buffered,
    BufferedChunked,
    BufferedCollect,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mode = match args.next().as_deref() {
        None | Some("unbuffered") => Mode::Unbuffered,
        Some("buffered") => Mode::Buffered,
        Some("buffered-chunked") => Mode::BufferedChunked,
        Some("buffered-collect") => Mode::BufferedCollect,
        Some(other) => {
            return Err(format!(
            "unknown mode {other:?}: unbuffered, buffered, buffered-chunked or buffered-collect"
        )
            .into())
        }
    };
    let default_mib = if mode == Mode::Unbuffered { 1024 } else { 64 };
    let mib: u64 = match args.next() {
        Some(n) => n.parse()?,
        None => default_mib,
    };
    let total = mib * 1024 * 1024;

    let url = serve(total, mode != Mode::BufferedChunked).await?;
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    let started = Instant::now();
    let received = match mode {
        Mode::Unbuffered => {
            let response = client.get(&url).unbuffered(true).await?;
            let mut received = 0u64;
            response
                .collect(|chunk| received += chunk.len() as u64)
                .await?;
            received
        }
        Mode::Buffered | Mode::BufferedChunked => {
            let response = client.get(&url).await?;
            let body = response.content().await?;
            // Read it again: the cached bytes are shared, not copied.
            let again = response.content().await?;
            assert_eq!(body.as_ptr(), again.as_ptr());
            body.len() as u64
        }
        Mode::BufferedCollect => {
            // Streams to the callback while keeping the bytes for later reads.
            let response = client.get(&url).await?;
            let mut received = 0u64;
            response
                .collect(|chunk| received += chunk.len() as u64)
                .await?;
            assert_eq!(response.content().await?.len() as u64, received);
            received
        }
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "received {received} bytes ({mib} MiB) in {secs:.2} s ({:.0} MiB/s)",
        received as f64 / 1048576.0 / secs
    );
    if received != total {
        return Err(format!("expected {total} bytes, got {received}").into());
    }
    Ok(())
}

/// Serves `total` bytes on 127.0.0.1 (with Content-Length when `sized`, else
/// chunked) from one shared 64 KiB buffer, so the server itself allocates nothing
/// per chunk. Returns the URL.
async fn serve(total: u64, sized: bool) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/big", listener.local_addr()?);
    let chunk = Bytes::from(vec![b'x'; CHUNK]);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let chunk = chunk.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| {
                    let chunk = chunk.clone();
                    async move {
                        let mut left = total;
                        let frames = futures_util::stream::iter(std::iter::from_fn(move || {
                            if left == 0 {
                                return None;
                            }
                            let n = left.min(CHUNK as u64);
                            left -= n;
                            Some(Ok::<_, Infallible>(Frame::data(chunk.slice(..n as usize))))
                        }));
                        let mut response = http::Response::new(StreamBody::new(frames));
                        if sized {
                            response
                                .headers_mut()
                                .insert(http::header::CONTENT_LENGTH, total.into());
                        }
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(url)
}
