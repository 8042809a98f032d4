//! StubTreq vs a raw hyper client connection talking to a raw hyper server
//! connection over `tokio::io::duplex`, side by side in one run, on a
//! current-thread runtime and on a 2-worker multi-thread runtime.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --bin stub -- --quick
//! cargo run --release --manifest-path bench/Cargo.toml --bin stub            # longer rounds
//! ```
//!
//! Rows (each measured in every round; rounds interleave all rows so drift in
//! machine load hits them alike; the median of the rounds is printed):
//! - raw keep-alive: requests/s over one duplex connection (client
//!   connection and server connection each a spawned task, as hyper's
//!   examples do);
//! - raw fresh: one pipe + both handshakes + one request, per iteration;
//! - RequestTraversalAgent alone (no client stack): requests/s;
//! - StubTreq: requests/s through the whole client stack;
//! - a whole stub test: a one-entry RequestSequence, `StubTreq::verifying`,
//!   one request, its body read, the verification when the stub drops;
//! - the peers, on the current-thread runtime, each a mock server over
//!   loopback with one mock for `GET /` answering "ok", asked by reqwest:
//!   wiremock, httpmock and mockito. Their rate row reuses one server,
//!   mock and client (keep-alive); their whole-test row starts the server,
//!   mounts the mock expecting one call, builds a client (as a test does),
//!   sends the request, reads the body and verifies the call.
//!
//! `-- --only TEXT` runs just the rows whose name contains TEXT, a fixed
//! number of operations each (`STUB_BENCH_COUNT`, default 20000), to profile
//! them: `perf stat -e instructions:u` over such a run, divided by the
//! count, gives instructions per operation.
//!
//! On the multi-thread runtime the measuring loop runs in `block_on`, the
//! way `#[tokio::test(flavor = "multi_thread")]` runs a test body; the
//! "spawned" row runs it as a task on a worker instead.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::runtime::Runtime;
use treq::Agent;
use treq_testing::{
    Expect, RequestSequence, RequestTraversalAgent, StringStubbingResource, StubResponse, StubTreq,
};

const ROUNDS: usize = 3;

#[derive(Clone, Copy)]
struct Config {
    warmup: Duration,
    measure: Duration,
}

type Op = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;
/// A peer's operation: run on the current-thread runtime only, as the
/// peers' futures are not all `Send`.
type LocalOp = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = ()>>>>;

/// Runs `op` repeatedly for the warmup, then for the measuring time;
/// returns the mean time per call.
async fn measure<F: Future<Output = ()>>(cfg: Config, op: &mut impl FnMut() -> F) -> Duration {
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
    treq_bench::serve_fixed(io, b"ok").await;
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

/// One keep-alive raw connection; must be built inside the runtime.
async fn raw_keepalive_op() -> Op {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(raw_server(server_io));
    let (sender, conn) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(client_io))
            .await
            .unwrap();
    tokio::spawn(conn);
    let sender = std::sync::Arc::new(std::sync::Mutex::new(sender));
    Box::new(move || {
        let sender = std::sync::Arc::clone(&sender);
        Box::pin(async move {
            // On a multi-thread runtime the connection task may not have
            // taken up the previous exchange's end yet.
            std::future::poll_fn(|cx| sender.lock().unwrap().poll_ready(cx))
                .await
                .unwrap();
            let fut = sender.lock().unwrap().send_request(raw_request());
            let resp = fut.await.unwrap();
            black_box(resp.into_body().collect().await.unwrap().to_bytes());
        })
    })
}

fn traversal_op() -> Op {
    let agent = RequestTraversalAgent::new(StringStubbingResource::new(|_req| (200, "ok")));
    Box::new(move || {
        let agent = agent.clone();
        Box::pin(async move {
            let req = http::Request::builder()
                .uri("http://bench.test/")
                .body(treq::Body::empty())
                .unwrap();
            let resp = agent.request(req).await.unwrap();
            black_box(resp.into_body().collect_bytes(None).await.unwrap());
        })
    })
}

fn stub_op() -> Op {
    let stub = std::sync::Arc::new(StubTreq::new(StringStubbingResource::new(|_req| {
        (200, "ok")
    })));
    Box::new(move || {
        let stub = std::sync::Arc::clone(&stub);
        Box::pin(async move {
            let resp = stub.get("http://bench.test/").await.unwrap();
            black_box(resp.content().await.unwrap());
        })
    })
}

fn whole_test_op() -> Op {
    Box::new(|| {
        Box::pin(async {
            let stub = StubTreq::verifying(RequestSequence::new([(
                Expect::new("GET", "http://bench.test/"),
                StubResponse::new(200).body("ok"),
            )]));
            let resp = stub.get("http://bench.test/").await.unwrap();
            black_box(resp.content().await.unwrap());
        })
    })
}

fn raw_fresh_op() -> Op {
    Box::new(|| Box::pin(raw_fresh()))
}

/// A peer's mock server, as its users start it.
#[derive(Clone, Copy, PartialEq)]
enum Peer {
    Wiremock,
    Httpmock,
    Mockito,
}

impl Peer {
    const ALL: [Peer; 3] = [Peer::Wiremock, Peer::Httpmock, Peer::Mockito];

    fn name(self) -> &'static str {
        match self {
            Peer::Wiremock => "wiremock",
            Peer::Httpmock => "httpmock",
            Peer::Mockito => "mockito",
        }
    }
}

/// What a test holds while its mock is mounted; dropped, it verifies the
/// calls where the peer does so on drop (wiremock).
enum Mounted {
    Wiremock(wiremock::MockServer),
    /// The server and its mock's id (httpmock's `Mock` borrows the server).
    Httpmock(httpmock::MockServer, usize),
    Mockito(mockito::ServerGuard, Box<mockito::Mock>),
}

impl Mounted {
    /// Starts `peer`'s server with one mock for `GET /` answering "ok",
    /// expecting `expect` calls when it is `Some`.
    async fn start(peer: Peer, expect: Option<u64>) -> Mounted {
        match peer {
            Peer::Wiremock => {
                use wiremock::matchers::{method, path};
                let server = wiremock::MockServer::start().await;
                let mock = wiremock::Mock::given(method("GET"))
                    .and(path("/"))
                    .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("ok"));
                let mock = match expect {
                    Some(n) => mock.expect(n),
                    None => mock,
                };
                mock.mount(&server).await;
                Mounted::Wiremock(server)
            }
            Peer::Httpmock => {
                let server = httpmock::MockServer::start_async().await;
                let id = server
                    .mock_async(|when, then| {
                        when.method("GET").path("/");
                        then.status(200).body("ok");
                    })
                    .await
                    .id();
                Mounted::Httpmock(server, id)
            }
            Peer::Mockito => {
                let mut server = mockito::Server::new_async().await;
                let mock = server.mock("GET", "/").with_status(200).with_body("ok");
                let mock = match expect {
                    Some(n) => mock.expect(n as usize),
                    None => mock,
                };
                let mock = mock.create_async().await;
                Mounted::Mockito(server, Box::new(mock))
            }
        }
    }

    fn url(&self) -> String {
        match self {
            Mounted::Wiremock(server) => format!("{}/", server.uri()),
            Mounted::Httpmock(server, _) => server.url("/"),
            Mounted::Mockito(server, _) => format!("{}/", server.url()),
        }
    }

    /// Checks the calls as the peer's users do (wiremock: on drop).
    async fn verify(self) {
        match self {
            Mounted::Wiremock(server) => drop(server),
            Mounted::Httpmock(server, id) => httpmock::Mock::new(id, &server).assert_async().await,
            Mounted::Mockito(server, mock) => {
                mock.assert_async().await;
                drop(server);
            }
        }
    }
}

async fn get_ok(client: &reqwest::Client, url: &str) {
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    black_box(resp.bytes().await.unwrap());
}

/// One mock server, mock and client, asked again and again.
async fn peer_keepalive_op(peer: Peer) -> LocalOp {
    let mounted = Mounted::start(peer, None).await;
    let url = std::sync::Arc::new(mounted.url());
    let client = reqwest::Client::new();
    Box::new(move || {
        // The server lives as long as the operation does.
        let _serving = &mounted;
        let (client, url) = (client.clone(), url.clone());
        Box::pin(async move { get_ok(&client, &url).await })
    })
}

/// A whole one-request test with the peer.
fn peer_whole_test_op(peer: Peer) -> LocalOp {
    Box::new(move || {
        Box::pin(async move {
            let mounted = Mounted::start(peer, Some(1)).await;
            let client = reqwest::Client::new();
            get_ok(&client, &mounted.url()).await;
            mounted.verify().await;
        })
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Where {
    CurrentThread,
    MultiThread,
    /// Multi-thread runtime, the loop spawned as a task on a worker.
    MultiThreadSpawned,
}

/// What a row measures: one of ours (on the runtime of its row) or a
/// peer's (on a current-thread runtime with I/O of its own).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Ours(Own),
    Theirs(PeerTest, Peer),
}

/// What a row of ours measures.
#[derive(Clone, Copy, PartialEq)]
enum Own {
    RawKeepAlive,
    RawFresh,
    Traversal,
    Stub,
    WholeTest,
}

/// What a peer row measures.
#[derive(Clone, Copy, PartialEq)]
enum PeerTest {
    KeepAlive,
    WholeTest,
}

struct Row {
    name: String,
    kind: Kind,
    place: Where,
    samples: Vec<Duration>,
}

fn rows() -> Vec<Row> {
    use Kind::*;
    use Own::*;
    use Where::*;
    let row = |name: &str, kind, place| Row {
        name: name.to_owned(),
        kind,
        place,
        samples: Vec::new(),
    };
    let mut rows = vec![
        row(
            "CT raw hyper over duplex, keep-alive",
            Ours(RawKeepAlive),
            CurrentThread,
        ),
        row(
            "CT raw hyper, fresh pipe+handshake+1 req",
            Ours(RawFresh),
            CurrentThread,
        ),
        row(
            "CT RequestTraversalAgent (StringStubbing)",
            Ours(Traversal),
            CurrentThread,
        ),
        row(
            "CT StubTreq GET (StringStubbing)",
            Ours(Stub),
            CurrentThread,
        ),
        row(
            "CT whole stub test (verifying+1 req)",
            Ours(WholeTest),
            CurrentThread,
        ),
    ];
    for peer in Peer::ALL {
        let name = peer.name();
        rows.push(row(
            &format!("CT {name} GET over loopback (reqwest)"),
            Theirs(PeerTest::KeepAlive, peer),
            CurrentThread,
        ));
    }
    for peer in Peer::ALL {
        let name = peer.name();
        rows.push(row(
            &format!("CT {name} whole test (start+mock+1 req)"),
            Theirs(PeerTest::WholeTest, peer),
            CurrentThread,
        ));
    }
    rows.extend([
        row(
            "MT raw hyper over duplex, keep-alive",
            Ours(RawKeepAlive),
            MultiThread,
        ),
        row(
            "MT raw hyper, fresh pipe+handshake+1 req",
            Ours(RawFresh),
            MultiThread,
        ),
        row(
            "MT RequestTraversalAgent (StringStubbing)",
            Ours(Traversal),
            MultiThread,
        ),
        row("MT StubTreq GET (StringStubbing)", Ours(Stub), MultiThread),
        row(
            "MT StubTreq GET, loop spawned on a worker",
            Ours(Stub),
            MultiThreadSpawned,
        ),
        row(
            "MT whole stub test (verifying+1 req)",
            Ours(WholeTest),
            MultiThread,
        ),
    ]);
    rows
}

fn run_row(cfg: Config, row: &Row, ct: &Runtime, mt: &Runtime) -> Duration {
    let own = match row.kind {
        Kind::Ours(own) => own,
        Kind::Theirs(test, peer) => {
            assert!(
                row.place == Where::CurrentThread,
                "peer rows run on the current thread"
            );
            return with_network().block_on(async move {
                let mut op = peer_op(test, peer).await;
                measure(cfg, &mut op).await
            });
        }
    };
    let job = async move {
        let mut op = make_op(own).await;
        measure(cfg, &mut op).await
    };
    run_on(row.place, job, ct, mt)
}

fn run_row_count(count: u32, row: &Row, ct: &Runtime, mt: &Runtime) -> Duration {
    async fn counted<F: Future<Output = ()>>(count: u32, mut op: impl FnMut() -> F) -> Duration {
        let start = Instant::now();
        for _ in 0..count {
            op().await;
        }
        start.elapsed() / count
    }
    let own = match row.kind {
        Kind::Ours(own) => own,
        Kind::Theirs(test, peer) => {
            return with_network()
                .block_on(async move { counted(count, peer_op(test, peer).await).await })
        }
    };
    run_on(
        row.place,
        async move { counted(count, make_op(own).await).await },
        ct,
        mt,
    )
}

/// Runs a row of ours where the row says.
fn run_on(
    place: Where,
    job: impl Future<Output = Duration> + Send + 'static,
    ct: &Runtime,
    mt: &Runtime,
) -> Duration {
    match place {
        Where::CurrentThread => ct.block_on(job),
        Where::MultiThread => mt.block_on(job),
        Where::MultiThreadSpawned => mt.block_on(async { tokio::spawn(job).await.unwrap() }),
    }
}

async fn make_op(own: Own) -> Op {
    match own {
        Own::RawKeepAlive => raw_keepalive_op().await,
        Own::RawFresh => raw_fresh_op(),
        Own::Traversal => traversal_op(),
        Own::Stub => stub_op(),
        Own::WholeTest => whole_test_op(),
    }
}

/// A current-thread runtime with I/O, for the peers' loopback servers (the
/// in-memory rows run on one without, as before they had peers).
fn with_network() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A peer row's operation (made on the current-thread runtime).
async fn peer_op(test: PeerTest, peer: Peer) -> LocalOp {
    match test {
        PeerTest::KeepAlive => peer_keepalive_op(peer).await,
        PeerTest::WholeTest => peer_whole_test_op(peer),
    }
}

fn median(samples: &[Duration]) -> Duration {
    let mut s = samples.to_vec();
    s.sort();
    s[s.len() / 2]
}

fn find(rows: &[Row], kind: Kind, place: Where) -> Duration {
    median(
        &rows
            .iter()
            .find(|r| r.kind == kind && r.place == place)
            .expect("row exists")
            .samples,
    )
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
            warmup: Duration::from_millis(300),
            measure: Duration::from_secs(1),
        }
    };
    let ct = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    // `--only TEXT`: just the rows whose name contains TEXT (for profiling).
    let only = std::env::args().skip_while(|a| a != "--only").nth(1);
    if let Some(only) = &only {
        let mut rows = rows();
        rows.retain(|r| r.name.contains(only.as_str()));
        // A fixed count, so that `perf stat -e instructions` over the run
        // divides into instructions per operation.
        let count: u32 = std::env::var("STUB_BENCH_COUNT")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(20_000);
        for row in &rows {
            let t = run_row_count(count, row, &ct, &mt);
            println!(
                "{:<46} {:>9.2} us/op ({count} ops)",
                row.name,
                t.as_secs_f64() * 1e6
            );
        }
        return;
    }
    let mut rows = rows();
    for _ in 0..ROUNDS {
        for row in &mut rows {
            let t = run_row(cfg, row, &ct, &mt);
            row.samples.push(t);
        }
    }
    println!(
        "in-memory stub vs raw hyper over tokio::io::duplex, {ROUNDS} interleaved rounds of {:?}, medians\n",
        cfg.measure
    );
    println!("{:<46} {:>9} {:>10}", "row", "us/op", "ops/s");
    for row in &rows {
        let per = median(&row.samples);
        println!(
            "{:<46} {:>9.2} {:>10.0}",
            row.name,
            per.as_secs_f64() * 1e6,
            1.0 / per.as_secs_f64()
        );
    }
    use Kind::*;
    use Own::*;
    use Where::*;
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    let raw_ct = find(&rows, Ours(RawKeepAlive), CurrentThread);
    let stub_ct = find(&rows, Ours(Stub), CurrentThread);
    let stub_mt = find(&rows, Ours(Stub), MultiThread);
    let stub_mt_spawned = find(&rows, Ours(Stub), MultiThreadSpawned);
    let fresh_ct = find(&rows, Ours(RawFresh), CurrentThread);
    let fresh_mt = find(&rows, Ours(RawFresh), MultiThread);
    let whole_ct = find(&rows, Ours(WholeTest), CurrentThread);
    let whole_mt = find(&rows, Ours(WholeTest), MultiThread);
    println!("\nacceptance (rates as x of the raw rate, times as x of the other time):");
    println!(
        "StubTreq CT rate / raw keep-alive CT rate:      {:.2}x (>= 0.5)",
        ratio(raw_ct, stub_ct)
    );
    println!(
        "StubTreq MT time / StubTreq CT time:            {:.2}x (<= 1.3)",
        ratio(stub_mt, stub_ct)
    );
    println!(
        "StubTreq MT (spawned) time / StubTreq CT time:  {:.2}x",
        ratio(stub_mt_spawned, stub_ct)
    );
    println!(
        "whole stub test CT / raw fresh pipe CT:         {:.2}x (<= 3)",
        ratio(whole_ct, fresh_ct)
    );
    println!(
        "whole stub test MT / raw fresh pipe MT:         {:.2}x (<= 3)",
        ratio(whole_mt, fresh_mt)
    );
    println!(
        "RequestTraversalAgent CT rate / raw CT rate:    {:.2}x",
        ratio(raw_ct, find(&rows, Ours(Traversal), CurrentThread))
    );
    println!("\nagainst the peers (CT; x > 1: StubTreq is faster):");
    for peer in Peer::ALL {
        let name = peer.name();
        println!(
            "StubTreq rate / {name:<8} rate: {:7.1}x   whole stub test / {name:<8} whole test: {:.3}x time",
            ratio(find(&rows, Theirs(PeerTest::KeepAlive, peer), CurrentThread), stub_ct),
            ratio(whole_ct, find(&rows, Theirs(PeerTest::WholeTest, peer), CurrentThread)),
        );
    }
}
