//! Memory check for multipart uploads: streams a 1 GiB file with
//! `treq::Part::file` to a loopback server that counts the bytes without
//! keeping them, and prints the peak resident set size.
//!
//! ```text
//! cargo build --release --example rss_upload
//! /usr/bin/time -v target/release/examples/rss_upload   # "Maximum resident set size"
//! ```
//!
//! Pass a size in MiB as the first argument to try other sizes (default 1024).
//! The file is sparse (no disk space used) and deleted afterwards.

use std::convert::Infallible;
use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Answers with `received=<bytes counted> content-length=<header>`, reading
/// the body frame by frame and dropping each one.
async fn count(req: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_owned();
    let mut body = req.into_body();
    let mut received: u64 = 0;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => received += frame.data_ref().map_or(0, |d| d.len() as u64),
            Err(e) => {
                let msg = format!("body error after {received} bytes: {e}");
                return Ok(http::Response::builder()
                    .status(500)
                    .body(Full::from(msg))
                    .unwrap());
            }
        }
    }
    let msg = format!("received={received} content-length={declared}");
    Ok(http::Response::new(Full::from(msg)))
}

async fn start_server() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(count);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(format!("http://{addr}/upload"))
}

/// Deletes the temporary directory however the example ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Peak resident set size so far, from `/proc/self/status` (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: u64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 1024,
    };
    let size = mib << 20;

    let dir = TempDir(std::env::temp_dir().join(format!("treq-rss-upload-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0)?;
    let path = dir.0.join("big.bin");
    // Sparse: the file reads as zeros and takes no disk space.
    std::fs::File::create(&path)?.set_len(size)?;

    let url = start_server().await?;
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    let started = std::time::Instant::now();
    let part = treq::Part::file(&path).await?;
    let response = client
        .post(url.as_str())
        .form([("purpose", "rss check")])
        .files([("big", part)])
        .await?;
    let text = response.text().await?;
    let elapsed = started.elapsed();

    // The server must have counted the whole body, exactly as announced.
    let received: u64 = text
        .strip_prefix("received=")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("unexpected server answer: {text}"))?;
    if response.code() != 200 || text != format!("received={received} content-length={received}") {
        return Err(format!("upload failed: {} {text}", response.code()).into());
    }
    if received <= size {
        return Err(format!("received {received} bytes, less than the {size}-byte file").into());
    }
    drop(dir);

    println!(
        "uploaded a {mib} MiB file: {received} body bytes in {:.2?} ({:.0} MiB/s)",
        elapsed,
        received as f64 / (1 << 20) as f64 / elapsed.as_secs_f64()
    );
    if let Some(kib) = peak_rss_kib() {
        println!("peak RSS: {kib} KiB ({:.1} MiB)", kib as f64 / 1024.0);
    }
    Ok(())
}
