//! Query parameters: pairs, repeated keys, and params appended to a URL that
//! already has a query (treq's rules).
//!
//! ```text
//! cargo run --example query_params                          # embedded local server
//! cargo run --example query_params -- http://127.0.0.1:8080 # any httpbin
//! ```

use std::collections::BTreeMap;

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let client = treq::HttpClient::new(treq::HyperAgent::new());

    // Pairs, in order; a key may repeat.
    let response = client
        .get(format!("{base}/get"))
        .params([("abc", "123"), ("abc", "456"), ("xyz", "789")])
        .await?;
    println!("pairs           -> {}", response.url());
    let body: serde_json::Value = response.json().await?;
    println!("  server args: {}", body["args"]);
    if body["args"]["abc"] != serde_json::json!(["123", "456"]) {
        return Err("repeated keys were not sent in order".into());
    }

    // A key with several values.
    let response = client
        .get(format!("{base}/get"))
        .params([("tag", vec!["rust", "http"])])
        .await?;
    println!("multi-value     -> {}", response.url());

    // A map (sorted here because BTreeMap iterates in key order).
    let map = BTreeMap::from([("b", "2"), ("a", "1")]);
    let response = client.get(format!("{base}/get")).params(map).await?;
    println!("map             -> {}", response.url());

    // Params are appended to the URL's own query, never replacing it.
    let response = client
        .get(format!("{base}/get?existing=yes"))
        .params([("added", "too")])
        .await?;
    println!("existing query  -> {}", response.url());
    let body: serde_json::Value = response.json().await?;
    if body["args"]["existing"] != "yes" || body["args"]["added"] != "too" {
        return Err("the URL's own query was lost".into());
    }

    // Characters that need escaping are percent-encoded.
    let response = client
        .get(format!("{base}/get"))
        .params([("q", "a b&c=d/é")])
        .await?;
    println!("escaping        -> {}", response.url());
    let body: serde_json::Value = response.json().await?;
    if body["args"]["q"] != "a b&c=d/é" {
        return Err("the server decoded a different value".into());
    }
    Ok(())
}
