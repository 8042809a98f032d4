//! Memory check for the cookie jar: a loopback server answers 50 requests
//! with 90 cookies of about 1 KiB each (4,500 cookies, 4.4 MiB offered), then
//! the client sends one more request. The jar must stay within its limits
//! (180 cookies for one site) and so must the `Cookie` header of that last
//! request. Prints both and the peak resident set size; exits non-zero if a
//! limit does not hold.
//!
//! ```text
//! cargo build --release --example rss_cookie_flood
//! /usr/bin/time -v target/release/examples/rss_cookie_flood   # "Maximum resident set size"
//! ```
//!
//! Pass the number of flooding responses as the first argument (default 50).

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const COOKIES_PER_RESPONSE: usize = 90;
const VALUE_LEN: usize = 1000;
/// The jar's default per-site limit.
const PER_SITE: usize = 180;

/// `/set/<round>` answers with 90 `Set-Cookie` headers; anything else with 204.
async fn flood(req: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let mut response = http::Response::builder().status(204);
    if let Some(round) = req.uri().path().strip_prefix("/set/") {
        let value = "v".repeat(VALUE_LEN);
        for n in 0..COOKIES_PER_RESPONSE {
            response = response.header("set-cookie", format!("r{round}c{n}={value}; Path=/"));
        }
    }
    Ok(response.body(Full::default()).unwrap())
}

async fn start_server() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                // Room for any Cookie header: the limits are checked by the client.
                let _ = hyper::server::conn::http1::Builder::new()
                    .max_buf_size(16 << 20)
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(flood))
                    .await;
            });
        }
    });
    Ok(format!("http://{addr}"))
}

/// Peak resident set size so far, from `/proc/self/status` (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 50,
    };
    let base = start_server().await?;
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    let started = std::time::Instant::now();
    for round in 0..rounds {
        client.get(format!("{base}/set/{round}")).await?;
    }
    let last = client.get(format!("{base}/next")).await?;
    let header = last
        .request()
        .and_then(|sent| sent.headers().get(http::header::COOKIE))
        .map_or(0, |value| value.len());
    let jar = client.cookie_jar().len();
    println!(
        "{rounds} responses of {COOKIES_PER_RESPONSE} cookies ({} offered) in {:.2?}: \
         {jar} cookies in the jar, next Cookie header {header} bytes",
        rounds * COOKIES_PER_RESPONSE,
        started.elapsed()
    );
    if let Some(kib) = peak_rss_kib() {
        println!("peak RSS: {kib} KiB ({:.1} MiB)", kib as f64 / 1024.0);
    }

    let expected = (rounds * COOKIES_PER_RESPONSE).min(PER_SITE);
    // "r49c89=" + the value + "; " at most, per cookie.
    let most_header = PER_SITE * (VALUE_LEN + 16);
    if jar != expected {
        return Err(format!("the jar holds {jar} cookies, expected {expected}").into());
    }
    if header > most_header {
        return Err(format!("the Cookie header is {header} bytes, over {most_header}").into());
    }
    Ok(())
}
