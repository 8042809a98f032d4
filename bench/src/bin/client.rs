//! Client overhead, side by side in one run: the whole treq stack (an
//! `HttpClient` and the module-level `treq::get`), raw hyper-util's legacy
//! `Client`, and reqwest, on small GETs over loopback against one embedded
//! hyper server.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --bin client -- --quick   # 3 rounds of 0.5 s
//! cargo run --release --manifest-path bench/Cargo.toml --bin client              # 3 rounds of 2 s
//! cargo run --release --manifest-path bench/Cargo.toml --bin client -- --rounds 15 --secs 0.5
//! ```
//!
//! Every contender runs at C=1 and C=64 (C tasks sending back to back on one
//! keep-alive pool), on a current-thread client runtime and on a 2-worker
//! multi-thread client runtime. The server has its own thread and a
//! current-thread runtime. For each runtime and C, all contenders run once per
//! round, one after the other (each round starting one contender further on,
//! so none always runs first), for 3 rounds (`--rounds N`), so drift in
//! machine load hits all of them alike; the rate shown is the median of the
//! rounds, its ratio that of the medians, the percentiles are over every
//! request of the rounds.
//!
//! On a shared machine one round's rate can swing by more than the
//! difference between the clients, so the table also gives each contender's
//! ratio to raw hyper-util round by round (a round's contenders run within
//! a few seconds of each other): its median and range. Many short rounds
//! (`--rounds 15 --secs 0.5`) pin that median down better than 3 long ones.
//!
//! Prints a markdown table (the one in BENCHMARKS.md) and writes it, with the
//! per-round figures, to `bench/results/client-<quick|full>-<unix time>.txt`
//! (or the path given with `--out PATH`).

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::rt::TokioExecutor;

use treq_bench::{start_hello_server, BODY};
const ROUNDS: usize = 3;
const CONCURRENCY: [usize; 2] = [1, 64];

type Fetch = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The contenders, in table order; the first is the baseline of the ratios.
const CONTENDERS: [&str; 4] = [
    "hyper-util (raw)",
    "treq HttpClient",
    "treq::get",
    "reqwest 0.13",
];

#[derive(Clone, Copy)]
enum Flavor {
    CurrentThread,
    MultiThread2,
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Flavor::CurrentThread => "current-thread",
            Flavor::MultiThread2 => "multi-thread (2 workers)",
        }
    }

    fn runtime(self) -> tokio::runtime::Runtime {
        match self {
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Flavor::MultiThread2 => {
                let mut b = tokio::runtime::Builder::new_multi_thread();
                b.worker_threads(2);
                b
            }
        }
        .enable_all()
        .build()
        .expect("client runtime")
    }
}

/// One contender's figures for one runtime and concurrency.
#[derive(Default)]
struct Stats {
    /// Requests per second, one per round.
    rates: Vec<f64>,
    /// Every request's latency in microseconds, all rounds.
    latencies: Vec<u32>,
}

impl Stats {
    fn median_rate(&self) -> f64 {
        let mut r = self.rates.clone();
        r.sort_by(f64::total_cmp);
        median(&r)
    }

    fn percentile(&self, p: f64) -> u32 {
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies.get(i).copied().unwrap_or(0)
    }
}

struct Row {
    flavor: Flavor,
    concurrency: usize,
    stats: Vec<Stats>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let out = value("--out");
    let rounds = match value("--rounds").map(|n| n.parse::<usize>()) {
        None => ROUNDS,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => return eprintln!("--rounds takes a whole number above 0"),
    };
    let per_run = match value("--secs").map(|s| s.parse::<f64>()) {
        None if quick => Duration::from_millis(500),
        None => Duration::from_secs(2),
        Some(Ok(secs)) if secs > 0.0 && secs.is_finite() => Duration::from_secs_f64(secs),
        Some(_) => return eprintln!("--secs takes a number of seconds above 0"),
    };
    let addr = start_hello_server();
    let url = format!("http://{addr}/");

    let mut log = String::new();
    let load_before = loadavg();
    let _ = writeln!(
        log,
        "small GET over loopback, {rounds} interleaved rounds of {per_run:?} per contender, \
         runtime and concurrency; load average before: {load_before}"
    );
    print!("{log}");

    let mut rows = Vec::new();
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread2] {
        // A fresh runtime and fresh clients: pooled connections belong to the
        // runtime that opened them.
        let rt = flavor.runtime();
        let fetches: Vec<Fetch> = rt.block_on(async {
            vec![
                raw_client(&url),
                treq_client(&url),
                treq_get(&url),
                reqwest_client(&url),
            ]
        });
        for concurrency in CONCURRENCY {
            let mut stats: Vec<Stats> = fetches.iter().map(|_| Stats::default()).collect();
            rt.block_on(async {
                // Warm up pools and code paths, unmeasured.
                for fetch in &fetches {
                    run(fetch, concurrency, Duration::from_millis(200)).await;
                }
                for round in 0..rounds {
                    let mut line = format!("{} C={concurrency} round {round}:", flavor.name());
                    let mut rates = [0.0; CONTENDERS.len()];
                    // Each round starts one contender further on.
                    for i in (0..fetches.len()).map(|i| (i + round) % fetches.len()) {
                        let (lat, elapsed) = run(&fetches[i], concurrency, per_run).await;
                        rates[i] = lat.len() as f64 / elapsed.as_secs_f64();
                        stats[i].latencies.extend(lat);
                    }
                    for ((stats, rate), name) in stats.iter_mut().zip(rates).zip(CONTENDERS) {
                        let _ = write!(line, " {name} {rate:.0}/s;");
                        stats.rates.push(rate);
                    }
                    println!("{line}");
                    let _ = writeln!(log, "{line}");
                }
            });
            for s in &mut stats {
                s.latencies.sort_unstable();
            }
            rows.push(Row {
                flavor,
                concurrency,
                stats,
            });
        }
    }

    let table = markdown(&rows);
    let _ = writeln!(log, "load average after: {}\n\n{table}", loadavg());
    println!("load average after: {}\n\n{table}", loadavg());
    let path = out.unwrap_or_else(|| {
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mode = if quick { "quick" } else { "full" };
        format!(
            "{}/results/client-{mode}-{secs}.txt",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    match std::fs::write(&path, &log) {
        Ok(()) => println!("written to {path}"),
        Err(e) => eprintln!("could not write {path}: {e}"),
    }
}

/// The table: requests/s (median of the rounds) with the ratio to raw
/// hyper-util, then p50 and p99 latency per contender.
fn markdown(rows: &[Row]) -> String {
    let mut t = String::from("| runtime | C |");
    for name in CONTENDERS {
        let _ = write!(t, " {name} req/s |");
    }
    t.push_str(" p50 µs (same order) | p99 µs (same order) |\n|---|---:|");
    for _ in CONTENDERS {
        t.push_str("---:|");
    }
    t.push_str("---|---|\n");
    for row in rows {
        let base = row.stats[0].median_rate();
        let _ = write!(t, "| {} | {} |", row.flavor.name(), row.concurrency);
        for (i, s) in row.stats.iter().enumerate() {
            let rate = s.median_rate();
            if i == 0 {
                let _ = write!(t, " {} |", thousands(rate));
            } else {
                let _ = write!(t, " {} ({:.2}x) |", thousands(rate), rate / base);
            }
        }
        let p = |q: f64| {
            row.stats
                .iter()
                .map(|s| s.percentile(q).to_string())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let _ = writeln!(t, " {} | {} |", p(0.50), p(0.99));
    }
    t.push_str("\nRound by round, each contender's rate over raw hyper-util's in the same round: median [lowest, highest]\n\n| runtime | C | rounds |");
    for name in &CONTENDERS[1..] {
        let _ = write!(t, " {name} |");
    }
    t.push_str("\n|---|---:|---:|");
    for _ in &CONTENDERS[1..] {
        t.push_str("---|");
    }
    t.push('\n');
    for row in rows {
        let base = &row.stats[0].rates;
        let _ = write!(
            t,
            "| {} | {} | {} |",
            row.flavor.name(),
            row.concurrency,
            base.len()
        );
        for s in &row.stats[1..] {
            let mut ratios: Vec<f64> = s.rates.iter().zip(base).map(|(r, b)| r / b).collect();
            ratios.sort_by(f64::total_cmp);
            let _ = write!(
                t,
                " {:.2}x [{:.2}, {:.2}] |",
                median(&ratios),
                ratios[0],
                ratios[ratios.len() - 1]
            );
        }
        t.push('\n');
    }
    t
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn thousands(rate: f64) -> String {
    let n = rate.round() as u64;
    if n >= 1000 {
        format!("{},{:03}", n / 1000, n % 1000)
    } else {
        n.to_string()
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// Runs `concurrency` tasks sending with `fetch` back to back for `duration`;
/// returns each request's latency in microseconds and the wall time.
async fn run(fetch: &Fetch, concurrency: usize, duration: Duration) -> (Vec<u32>, Duration) {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let fetch = Arc::clone(fetch);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(1 << 14);
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
    Arc::new(move || {
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
    let url: Arc<str> = url.into();
    Arc::new(move || {
        let client = client.clone();
        let url = Arc::clone(&url);
        Box::pin(async move {
            let resp = client.get(&*url).send().await.expect("treq GET");
            let body = resp.content().await.expect("treq body");
            assert_eq!(body.len(), BODY.len());
        })
    })
}

/// The module-level function: the shared agent of this runtime.
fn treq_get(url: &str) -> Fetch {
    let url: Arc<str> = url.into();
    Arc::new(move || {
        let url = Arc::clone(&url);
        Box::pin(async move {
            let resp = treq::get(&*url).send().await.expect("treq::get");
            let body = resp.content().await.expect("treq::get body");
            assert_eq!(body.len(), BODY.len());
        })
    })
}

fn reqwest_client(url: &str) -> Fetch {
    let client = reqwest::Client::new();
    let url: Arc<str> = url.into();
    Arc::new(move || {
        let client = client.clone();
        let url = Arc::clone(&url);
        Box::pin(async move {
            let resp = client.get(&*url).send().await.expect("reqwest GET");
            let body = resp.bytes().await.expect("reqwest body");
            assert_eq!(body.len(), BODY.len());
        })
    })
}
