//! Fixed-count client loop for instruction counting (not a timing benchmark).
//!
//! ```text
//! profile <treq|treq-get|raw|reqwest> <N> [C]
//! ```
//!
//! sends N sequential small GETs over loopback to a hyper server on its own
//! thread (same process) and reads each body. The client runs on a
//! current-thread runtime on the main thread. `bench/callgrind.sh` runs it
//! under callgrind at two counts; the difference cancels start-up.
//!
//! With C > 1 (raw and treq only), C tasks share the N requests, as the
//! client benchmark's C=64 rows do: for hardware counters, e.g.
//! `perf stat -e task-clock,cycles:u,instructions:u profile treq 400000 64`,
//! or, with `PROFILE_REPORT=1`, the client thread's CPU time per request
//! (the saturated thread at C=64).

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioExecutor;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "treq".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let c: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let addr = treq_bench::start_hello_server();
    let url = format!("http://{addr}/");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    if c > 1 {
        let (cpu_before, start) = (thread_cpu_ns(), std::time::Instant::now());
        rt.block_on(concurrent(&which, &url, n, c));
        report(n, cpu_before, start);
        return;
    }
    rt.block_on(async move {
        match which.as_str() {
            "raw" => {
                let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                    .build_http::<Empty<Bytes>>();
                let uri: http::Uri = url.parse().expect("uri");
                for _ in 0..n {
                    let resp = client.get(uri.clone()).await.expect("raw GET");
                    let body = resp.into_body().collect().await.expect("body").to_bytes();
                    assert_eq!(body.len(), 13);
                }
            }
            "treq" => {
                let client = treq::HttpClient::new(treq::HyperAgent::new());
                for _ in 0..n {
                    let resp = client.get(url.as_str()).send().await.expect("treq GET");
                    let body = resp.content().await.expect("body");
                    assert_eq!(body.len(), 13);
                }
            }
            "treq-get" => {
                for _ in 0..n {
                    let resp = treq::get(url.as_str()).send().await.expect("treq::get");
                    let body = resp.content().await.expect("body");
                    assert_eq!(body.len(), 13);
                }
            }
            "reqwest" => {
                let client = reqwest::Client::new();
                for _ in 0..n {
                    let resp = client.get(url.as_str()).send().await.expect("reqwest");
                    let body = resp.bytes().await.expect("body");
                    assert_eq!(body.len(), 13);
                }
            }
            other => panic!("unknown client {other:?}: treq, treq-get, raw or reqwest"),
        }
    });
}

/// The CPU time this thread has run, in nanoseconds (Linux's
/// `/proc/thread-self/schedstat`; `None` elsewhere).
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// This thread's user and system CPU time in clock ticks (fields 14 and 15
/// of Linux's `/proc/thread-self/stat`; `None` elsewhere).
fn thread_user_sys_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

/// With `PROFILE_REPORT` set, prints the client thread's CPU time and the
/// wall time per request: at C=64 the client thread is saturated, so its CPU
/// time per request is what its rate depends on, and it is steadier than
/// the rate when another process shares the machine.
fn report(n: usize, cpu_before: Option<u64>, start: std::time::Instant) {
    if std::env::var_os("PROFILE_REPORT").is_none() {
        return;
    }
    let wall = start.elapsed().as_nanos() as f64 / n as f64;
    match (cpu_before, thread_cpu_ns()) {
        (Some(before), Some(after)) => {
            let cpu = (after - before) as f64 / n as f64;
            // The split of the thread's whole life (start-up is small against N requests).
            let split = thread_user_sys_ticks()
                .map(|(user, sys)| {
                    let share = user as f64 / (user + sys).max(1) as f64;
                    format!(
                        " ({:.0} user, {:.0} system)",
                        cpu * share,
                        cpu * (1.0 - share)
                    )
                })
                .unwrap_or_default();
            eprintln!("client thread {cpu:.0} ns/request{split}, wall {wall:.0} ns/request");
        }
        _ => eprintln!("wall {wall:.0} ns/request"),
    }
}

/// `n` requests over `c` tasks on the current runtime.
async fn concurrent(which: &str, url: &str, n: usize, c: usize) {
    let mut tasks = Vec::new();
    match which {
        "raw" => {
            let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                .build_http::<Empty<Bytes>>();
            let uri: http::Uri = url.parse().expect("uri");
            for _ in 0..c {
                let (client, uri) = (client.clone(), uri.clone());
                tasks.push(tokio::spawn(async move {
                    for _ in 0..n / c {
                        let resp = client.get(uri.clone()).await.expect("raw GET");
                        let body = resp.into_body().collect().await.expect("body").to_bytes();
                        assert_eq!(body.len(), 13);
                    }
                }));
            }
        }
        "treq" => {
            let client = treq::HttpClient::new(treq::HyperAgent::new());
            for _ in 0..c {
                let (client, url) = (client.clone(), url.to_owned());
                tasks.push(tokio::spawn(async move {
                    for _ in 0..n / c {
                        let resp = client.get(url.as_str()).send().await.expect("treq GET");
                        let body = resp.content().await.expect("body");
                        assert_eq!(body.len(), 13);
                    }
                }));
            }
        }
        other => panic!("unknown client {other:?} with C > 1: treq or raw"),
    }
    for task in tasks {
        task.await.expect("task");
    }
}
