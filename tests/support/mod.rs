//! Shared helpers for the integration tests: loopback HTTP/HTTPS servers with
//! connection counting, and TLS certificates made at test time.
#![allow(dead_code, unreachable_pub, unused_imports)]

pub mod codec;
pub mod listeners;
pub mod mtls;
pub mod proxies;
pub mod record;
pub mod server;
pub mod tls;
pub mod wire;

pub use server::{Server, ServerRequest};

/// The most any fault test may take: a hang fails the test instead of the run.
pub const TEST_BOUND: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs `future` to completion within [`TEST_BOUND`], or fails the test
/// naming what hung.
pub async fn bounded<F: std::future::Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(TEST_BOUND, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: still running after {TEST_BOUND:?} (a hang)"),
    }
}
