//! Fetches a URL through an HTTP proxy: an embedded forward proxy (and the
//! embedded httpbin as the target) unless a proxy and a URL are given.
//!
//! ```text
//! cargo run --example proxy                                          # all embedded
//! cargo run --example proxy -- http://127.0.0.1:3128 https://example.org/
//! ```
//!
//! The embedded proxy answers `CONNECT host:port` with 200 and then pipes
//! bytes both ways (that is how `https://` URLs go through), and for a
//! request in absolute form (`GET http://host:port/path`, how `http://` URLs
//! go) connects to that host and pipes the connection there.

#[path = "support/httpbin.rs"]
mod httpbin;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (proxy, url) = match (args.next(), args.next()) {
        (Some(proxy), Some(url)) => (proxy, url),
        _ => (start_proxy().await?, format!("{}/get", httpbin::start())),
    };
    println!("GET {url} through {proxy}");

    let agent = treq::HyperAgent::builder()
        .proxy(treq::Proxy::all(proxy))
        .build()?;
    let client = treq::HttpClient::new(agent);
    let response = client.get(&url).await?.error_for_status()?;
    println!("{} {}", response.code(), response.phrase());
    println!("{}", response.text().await?);
    Ok(())
}

/// Starts the embedded forward proxy on a free loopback port.
async fn start_proxy() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((client, peer)) = listener.accept().await {
            tokio::spawn(async move {
                if let Err(e) = serve(client).await {
                    eprintln!("proxy: {peer}: {e}");
                }
            });
        }
    });
    Ok(url)
}

/// One client connection: read the head, connect upstream, pipe.
async fn serve(mut client: TcpStream) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if head.len() > 64 * 1024 {
            return Err(std::io::Error::other("request head too long"));
        }
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    };
    let line = String::from_utf8_lossy(&head[..end]).into_owned();
    let mut words = line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let authority = if method == "CONNECT" {
        target.to_owned()
    } else {
        let uri: treq::Url = target
            .parse()
            .map_err(|_| std::io::Error::other(format!("not an absolute URL: {target}")))?;
        let host = uri.host_str().unwrap_or_default();
        format!("{host}:{}", uri.port_or_known_default().unwrap_or(80))
    };
    println!("proxy: {method} {target}");
    let mut upstream = match TcpStream::connect(&authority).await {
        Ok(upstream) => upstream,
        Err(e) => {
            client
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                .await?;
            return Err(e);
        }
    };
    if method == "CONNECT" {
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        upstream.write_all(&head[end..]).await?;
    } else {
        // The server gets the absolute form as it came: HTTP/1.1 servers
        // must accept it.
        upstream.write_all(&head).await?;
    }
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}
