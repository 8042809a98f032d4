//! `Response::history()`: the earlier responses of a redirect chain, oldest
//! first (treq's docs: "Response History").
//!
//! `cargo run --example response_history` runs against an embedded local
//! server; pass a base URL to use another server.

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let resp = treq::get(format!("{base}/redirect/3")).await?;
    let codes: Vec<u16> = resp.history().iter().map(|r| r.code()).collect();
    println!("history: {codes:?}, final: {} {}", resp.code(), resp.url());
    for earlier in resp.history() {
        println!("  {} {}", earlier.code(), earlier.url());
    }
    if let Some(previous) = resp.previous_response() {
        println!("previous: {} {}", previous.code(), previous.url());
    }
    assert_eq!(codes, [302, 302, 302]);
    Ok(())
}
