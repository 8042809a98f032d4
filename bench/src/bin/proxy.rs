//! treq through a CONNECT tunnel vs direct, side by side in one run.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --bin proxy
//! ```
//!
//! An HTTPS origin (hyper over rustls, a self-signed certificate made at
//! start) and an in-process CONNECT proxy (it answers `200` and copies
//! bytes both ways) run on their own thread with a current-thread runtime.
//! Two treq clients on another current-thread runtime fetch a small body
//! from the origin: one directly, one with `Proxy::https` through the
//! tunnel. Both keep their connections pooled, so the tunnel is set up once
//! and the figure is the cost of the extra hop per request. 3 interleaved
//! rounds of 2 s at C=1 and C=16; medians.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ROUNDS: usize = 3;
const ROUND: Duration = Duration::from_secs(2);

fn main() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let cert_der = cert.cert.der().to_vec();
    let key_der = cert.key_pair.serialize_der();
    let (origin, proxy) = serve(cert_der.clone(), key_der);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    rt.block_on(async move {
        let url = format!("https://localhost:{}/", origin.port());
        let direct = client(&cert_der, None);
        let tunneled = client(&cert_der, Some(format!("http://{proxy}")));
        for c in [&direct, &tunneled] {
            run(c, &url, 1, Duration::from_millis(200)).await;
        }
        println!("treq over HTTPS on loopback: direct vs through a CONNECT tunnel, {ROUNDS} interleaved rounds of {ROUND:?}, medians\n");
        println!("| C | direct req/s | CONNECT tunnel req/s | tunnel / direct |");
        println!("|---:|---:|---:|---:|");
        for concurrency in [1, 16] {
            let (mut d, mut t) = (Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                d.push(run(&direct, &url, concurrency, ROUND).await);
                t.push(run(&tunneled, &url, concurrency, ROUND).await);
            }
            let (d, t) = (median(d), median(t));
            println!("| {concurrency} | {d:.0} | {t:.0} | {:.2}x |", t / d);
        }
    });
}

fn client(root: &[u8], proxy: Option<String>) -> treq::HttpClient<treq::HyperAgent> {
    let mut builder = treq::HyperAgent::builder()
        .add_root_certificate_der(root.to_vec())
        .no_proxy();
    if let Some(proxy) = proxy {
        builder = builder.proxy(treq::Proxy::https(proxy));
    }
    treq::HttpClient::new(builder.build().expect("agent"))
}

/// Requests per second of `concurrency` tasks sending back to back for `time`.
async fn run(
    client: &treq::HttpClient<treq::HyperAgent>,
    url: &str,
    concurrency: usize,
    time: Duration,
) -> f64 {
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let client = client.clone();
            let url = url.to_owned();
            tokio::spawn(async move {
                let mut done = 0u64;
                while start.elapsed() < time {
                    let response = client.get(url.as_str()).send().await.expect("GET");
                    assert_eq!(response.content().await.expect("body").len(), 13);
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("task");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// Starts the origin and the proxy on their own thread; returns their addresses.
fn serve(cert: Vec<u8>, key: Vec<u8>) -> (SocketAddr, SocketAddr) {
    let origin = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addrs = (
        origin.local_addr().expect("addr"),
        proxy.local_addr().expect("addr"),
    );
    for listener in [&origin, &proxy] {
        listener.set_nonblocking(true).expect("non-blocking");
    }
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.into()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.into()),
    )
    .expect("server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    treq_bench::run_on_own_thread(async move {
        let origin = TcpListener::from_std(origin).expect("listener");
        let proxy = TcpListener::from_std(proxy).expect("listener");
        tokio::spawn(async move {
            loop {
                let (s, _) = proxy.accept().await.expect("accept");
                tokio::spawn(tunnel(s));
            }
        });
        loop {
            let (s, _) = origin.accept().await.expect("accept");
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(s).await else {
                    return;
                };
                treq_bench::serve_fixed(tls, treq_bench::BODY).await;
            });
        }
    });
    addrs
}

/// A CONNECT proxy for one connection: reads the request head, dials the
/// target, answers 200 and copies both ways.
async fn tunnel(mut client: TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read_exact(&mut byte).await.is_err() || head.len() > 8192 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let Some(target) = head
        .strip_prefix("CONNECT ")
        .and_then(|r| r.split(' ').next())
    else {
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(target).await else {
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}
