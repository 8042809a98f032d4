//! Memory check: a server answers with 10,000 stacked content codings
//! (`Content-Encoding: gzip, gzip, …`). treq refuses more than five, so the
//! read fails at once with a short decode error, without building a decoder
//! per coding (no stack overflow, no memory spike).
//!
//! The loopback server in this file sends the exact bytes.
//!
//! ```text
//! cargo build --release --example rss_codings
//! /usr/bin/time -v target/release/examples/rss_codings
//! ```
//! and read "Maximum resident set size". Exits non-zero unless the read fails
//! with a decode error of a short message.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CODINGS: usize = 10_000;

/// Starts the server; every request gets a tiny body under CODINGS codings.
async fn serve() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let codings = vec!["gzip"; CODINGS].join(", ");
    let reply =
        format!("HTTP/1.1 200 OK\r\nContent-Encoding: {codings}\r\nContent-Length: 5\r\n\r\nhello");
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let reply = reply.clone();
            tokio::spawn(async move {
                // Read the request head, answer, close.
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = serve().await;
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    let resp = client.get(format!("http://{addr}/codings")).await?;
    println!(
        "status {}, {CODINGS} codings in Content-Encoding",
        resp.code()
    );
    match resp.content().await {
        Ok(body) => Err(format!("the read succeeded ({} bytes): it must fail", body.len()).into()),
        Err(err) if err.is_decode() && err.to_string().len() < 200 => {
            println!("refused as expected: {err}");
            Ok(())
        }
        Err(err) => Err(format!("expected a short decode error, got {err:?}").into()),
    }
}
