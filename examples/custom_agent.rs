//! A user-written `Agent` wrapped around `HyperAgent`: it logs every request
//! with its timing and adds a header. Anything that sends requests (a mock, a
//! proxy, a tower stack) plugs into `HttpClient` the same way.
//!
//! ```text
//! cargo run --example custom_agent                          # embedded local server
//! cargo run --example custom_agent -- http://127.0.0.1:8080 # any httpbin
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use treq::{Agent, Body, HyperAgent};

use treq::agent::ResponseFuture;

#[path = "support/httpbin.rs"]
mod httpbin;

/// Logs each request and tags it with `X-Trace-Id`.
struct LoggingAgent<A> {
    inner: A,
    next_id: AtomicU64,
}

impl<A: Agent> Agent for LoggingAgent<A> {
    fn request(&self, mut request: http::Request<Body>) -> ResponseFuture {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        request
            .headers_mut()
            .insert("x-trace-id", http::HeaderValue::from(id));
        let line = format!("#{id} {} {}", request.method(), request.uri());
        let started = Instant::now();
        let response = self.inner.request(request);
        // The future must be 'static: move what the log line needs into it.
        Box::pin(async move {
            let result = response.await;
            match &result {
                Ok(resp) => println!(
                    "[log] {line} -> {} in {:?}",
                    resp.status(),
                    started.elapsed()
                ),
                Err(e) => println!("[log] {line} -> error: {e}"),
            }
            result
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let agent = Arc::new(LoggingAgent {
        inner: HyperAgent::new(),
        next_id: AtomicU64::new(1),
    });
    let client = treq::HttpClient::new(agent.clone());

    let response = client.get(format!("{base}/headers")).await?;
    let body: serde_json::Value = response.json().await?;
    println!(
        "the server saw X-Trace-Id: {}",
        body["headers"]["X-Trace-Id"]
    );
    if body["headers"]["X-Trace-Id"] != "1" {
        return Err("the agent's header did not reach the server".into());
    }

    client.get(format!("{base}/status/418")).await?;
    client.post(format!("{base}/post")).data("x").await?;
    println!(
        "{} requests went through the agent",
        agent.next_id.load(Ordering::Relaxed) - 1
    );
    Ok(())
}
