//! Redirects are followed by default (treq's docs: "Handling Redirects").
//!
//! `cargo run --example redirects` runs against an embedded local server;
//! pass a base URL (e.g. of an httpbin) to use another server.

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let resp = treq::get(format!("{base}/redirect/1")).await?;
    println!("{} {}", resp.code(), resp.url());
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.url().path(), "/get");

    // A POST answered by 302 is not followed under treq's default rules...
    let err = treq::post(format!("{base}/redirect/1"))
        .data("x")
        .await
        .unwrap_err();
    println!("POST + 302: {err}");
    assert!(err.is_redirect());
    // ...but browser-like redirects turn it into a GET, as browsers do.
    let resp = treq::post(format!("{base}/redirect/1"))
        .data("x")
        .browser_like_redirects(true)
        .await?;
    println!(
        "browser-like POST + 302: {} {}",
        resp.code(),
        resp.request().map_or("?", |r| r.method().as_str())
    );
    assert_eq!(resp.code(), 200);
    Ok(())
}
