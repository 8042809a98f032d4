//! StubTreq vs a raw hyper client connection talking to a raw hyper server
//! connection over `tokio::io::duplex`, in the same run, on one thread.
//!
//! Run: `cargo run --release --manifest-path bench/Cargo.toml --bin stub [-- --quick]`
//!
//! Figures (all on a current-thread runtime):
//! - raw keep-alive: requests/s over one duplex connection;
//! - raw fresh: one pipe + both handshakes + one request, per iteration;
//! - StubTreq: requests/s through the whole client stack (each request gets
//!   its own in-memory connection, like treq's RequestTraversalAgent);
//! - RequestTraversalAgent alone (no client stack): requests/s;
//! - a whole stub test: build a one-entry RequestSequence, a StubTreq, the
//!   consume guard, send one request, read it, verify on drop.

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::rt::TokioIo;
use treq::Agent;
use treq_testing::{Expect, RequestSequence, RequestTraversalAgent, StringStubbingResource, StubResponse, StubTreq};

struct Config {
    warmup: Duration,
    measure: Duration,
}

/// Runs `op` repeatedly for the warmup, then for the measuring time;
/// returns the mean time per call.
async fn measure<F, Fut>(cfg: &Config, mut op: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let warm = Instant::now();
    while warm.elapsed() < cfg.warmup {
        op().await;
    }
    let mut n: u32 = 0;
    let start = Instant::now();
    while start.elapsed() < cfg.measure {
        for _ in 0..64 {
            op().await;
        }
        n += 64;
    }
    start.elapsed() / n
}

async fn raw_server(io: tokio::io::DuplexStream) {
    let service = hyper::service::service_fn(|_req: http::Request<hyper::body::Incoming>| async {
        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(b"ok"))))
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await;
}

fn raw_request() -> http::Request<Empty<Bytes>> {
    http::Request::builder()
        .uri("/")
        .header("host", "bench.test")
        .body(Empty::new())
        .unwrap()
}

async fn raw_fresh() {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(raw_server(server_io));
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(client_io))
        .await
        .unwrap();
    tokio::spawn(conn);
    let resp = sender.send_request(raw_request()).await.unwrap();
    black_box(resp.into_body().collect().await.unwrap().to_bytes());
}

fn report(name: &str, per: Duration, baseline: Option<Duration>) {
    let rate = 1.0 / per.as_secs_f64();
    let ratio = baseline
        .map(|b| {
            format!(
                "  ({:.2}x the raw rate, {:.2}x the raw time)",
                b.as_secs_f64() / per.as_secs_f64(),
                per.as_secs_f64() / b.as_secs_f64()
            )
        })
        .unwrap_or_default();
    println!(
        "{name:<48} {:>9.2} us/op {:>10.0} ops/s{ratio}",
        per.as_secs_f64() * 1e6,
        rate
    );
}

async fn run(cfg: Config) {
    // Raw keep-alive: one connection, sequential requests.
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(raw_server(server_io));
    let (sender, conn) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(client_io))
            .await
            .unwrap();
    tokio::spawn(conn);
    let sender = std::cell::RefCell::new(sender);
    let raw_keepalive = measure(&cfg, || async {
        let fut = sender.borrow_mut().send_request(raw_request());
        let resp = fut.await.unwrap();
        black_box(resp.into_body().collect().await.unwrap().to_bytes());
    })
    .await;
    report("raw hyper over duplex, keep-alive", raw_keepalive, None);

    let raw_fresh_t = measure(&cfg, raw_fresh).await;
    report(
        "raw hyper over duplex, fresh pipe+handshake+1 req",
        raw_fresh_t,
        None,
    );

    let agent = RequestTraversalAgent::new(StringStubbingResource::new(|_req| (200, "ok")));
    let traversal = measure(&cfg, || async {
        let req = http::Request::builder()
            .uri("http://bench.test/")
            .body(treq::Body::empty())
            .unwrap();
        let resp = agent.request(req).await.unwrap();
        black_box(resp.into_body().collect_bytes(None).await.unwrap());
    })
    .await;
    report(
        "RequestTraversalAgent (StringStubbingResource)",
        traversal,
        Some(raw_keepalive),
    );

    let stub = StubTreq::new(StringStubbingResource::new(|_req| (200, "ok")));
    let stub_rate = measure(&cfg, || async {
        let resp = stub.get("http://bench.test/").await.unwrap();
        black_box(resp.content().await.unwrap());
    })
    .await;
    report(
        "StubTreq GET (StringStubbingResource)",
        stub_rate,
        Some(raw_keepalive),
    );

    let whole = measure(&cfg, || async {
        let seq = RequestSequence::new([(
            Expect::new("GET", "http://bench.test/"),
            StubResponse::new(200).body("ok"),
        )]);
        let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
        let guard = seq.consume();
        let resp = stub.get("http://bench.test/").await.unwrap();
        black_box(resp.content().await.unwrap());
        drop(guard);
    })
    .await;
    report("whole stub test (sequence+stub+1 req+verify)", whole, None);
    println!(
        "whole stub test / raw fresh pipe+handshake+1 req: {:.2}x",
        whole.as_secs_f64() / raw_fresh_t.as_secs_f64()
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let cfg = if quick {
        Config {
            warmup: Duration::from_millis(100),
            measure: Duration::from_millis(300),
        }
    } else {
        Config {
            warmup: Duration::from_secs(1),
            measure: Duration::from_secs(3),
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(run(cfg));
}
