//! `allow_redirects(false)` returns the redirect response itself (treq's docs).
//!
//! `cargo run --example disable_redirects` runs against an embedded local
//! server; pass a base URL to use another server.

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let resp = treq::get(format!("{base}/redirect/1"))
        .allow_redirects(false)
        .await?;
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str())
        .transpose()?;
    println!("{} Location: {}", resp.code(), location.unwrap_or("-"));
    assert_eq!(resp.code(), 302);
    assert!(resp.history().is_empty());
    Ok(())
}
