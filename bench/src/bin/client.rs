//! Client overhead, side by side in one run: treq vs reqwest vs a raw
//! hyper-util legacy client, small GETs over loopback against one embedded
//! hyper server, at concurrency 1 and 64. Prints requests/s and p50/p99
//! latency per client.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --bin client -- --quick
//! cargo run --release --manifest-path bench/Cargo.toml --bin client            # longer rounds
//! ```
//!
//! The server runs on its own thread with a current-thread runtime; the clients
//! run one at a time on another current-thread runtime, so each side has one
//! core of a 2-core machine. Clients are interleaved round by round so drift in
//! machine load hits all of them alike.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::rt::{TokioExecutor, TokioIo};

const BODY: &[u8] = b"Hello, world!";

type Fetch = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, per_run) = if quick {
        (3, Duration::from_millis(700))
    } else {
        (5, Duration::from_secs(3))
    };
    let addr = start_server();
    let url = format!("http://{addr}/");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let clients: Vec<(&str, Fetch)> = vec![
            ("hyper-util (raw)", raw_client(&url)),
            ("treq", treq_client(&url)),
            ("reqwest", reqwest_client(&url)),
        ];
        println!(
            "small GET over loopback, {rounds} interleaved rounds of {per_run:?} per client and concurrency"
        );
        for concurrency in [1usize, 64] {
            // Warm up pools and code paths, unmeasured.
            for (_, fetch) in &clients {
                run(fetch, concurrency, Duration::from_millis(200)).await;
            }
            let mut results: Vec<Stats> = clients.iter().map(|_| Stats::default()).collect();
            for _ in 0..rounds {
                for ((_, fetch), stats) in clients.iter().zip(&mut results) {
                    let (lat, elapsed) = run(fetch, concurrency, per_run).await;
                    stats.latencies.extend(lat);
                    stats.elapsed += elapsed;
                }
            }
            println!("\nC={concurrency}");
            println!(
                "{:<18} {:>12} {:>10} {:>10} {:>12}",
                "client", "requests/s", "p50 us", "p99 us", "vs raw"
            );
            let base = results[0].rate();
            for ((name, _), stats) in clients.iter().zip(&mut results) {
                stats.latencies.sort_unstable();
                let rate = stats.rate();
                println!(
                    "{:<18} {:>12.0} {:>10} {:>10} {:>+11.1}%",
                    name,
                    rate,
                    stats.percentile(0.50),
                    stats.percentile(0.99),
                    (rate / base - 1.0) * 100.0
                );
            }
        }
    });
}

#[derive(Default)]
struct Stats {
    latencies: Vec<u32>,
    elapsed: Duration,
}

impl Stats {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
    fn percentile(&self, p: f64) -> u32 {
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies.get(i).copied().unwrap_or(0)
    }
}

/// Runs `concurrency` loops of `fetch` for `duration`; returns each request's
/// latency in microseconds and the wall time.
async fn run(fetch: &Fetch, concurrency: usize, duration: Duration) -> (Vec<u32>, Duration) {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let fetch = fetch.clone();
        tasks.push(tokio::task::spawn_local(async move {
            let mut lat = Vec::with_capacity(1 << 16);
            loop {
                let t = Instant::now();
                if t >= deadline {
                    break;
                }
                fetch().await;
                lat.push(t.elapsed().as_micros() as u32);
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("bench task"));
    }
    (all, start.elapsed())
}

fn raw_client(url: &str) -> Fetch {
    let client: LegacyClient<_, Empty<Bytes>> =
        LegacyClient::builder(TokioExecutor::new()).build_http();
    let uri: http::Uri = url.parse().expect("uri");
    Rc::new(move || {
        let client = client.clone();
        let uri = uri.clone();
        Box::pin(async move {
            let resp = client.get(uri).await.expect("raw GET");
            let body = resp
                .into_body()
                .collect()
                .await
                .expect("raw body")
                .to_bytes();
            assert_eq!(body.len(), BODY.len());
        })
    })
}

fn treq_client(url: &str) -> Fetch {
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    let url = treq::Url::parse(url).expect("url");
    Rc::new(move || {
        let client = client.clone();
        let url = url.clone();
        Box::pin(async move {
            let resp = client.get(url).await.expect("treq GET");
            let body = resp.content().await.expect("treq body");
            assert_eq!(body.len(), BODY.len());
        })
    })
}

fn reqwest_client(url: &str) -> Fetch {
    let client = reqwest::Client::new();
    let url = reqwest::Url::parse(url).expect("url");
    Rc::new(move || {
        let client = client.clone();
        let url = url.clone();
        Box::pin(async move {
            let resp = client.get(url).send().await.expect("reqwest GET");
            let body = resp.bytes().await.expect("reqwest body");
            assert_eq!(body.len(), BODY.len());
        })
    })
}

/// A minimal hyper HTTP/1.1 server answering every request with 13 bytes.
fn start_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|_req| async {
                        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(
                            BODY,
                        ))))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    addr
}
