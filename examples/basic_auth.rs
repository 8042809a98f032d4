//! Basic auth: `client.get(url).auth(("user", "pass"))`.
//!
//! Run with no argument to use the embedded local httpbin, or pass a base URL
//! of an httpbin-compatible server:
//!
//! ```text
//! cargo run --example basic_auth
//! cargo run --example basic_auth -- http://127.0.0.1:8080
//! ```

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> treq::Result<()> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let client = treq::HttpClient::new(treq::HyperAgent::new());

    let resp = client
        .get(format!("{base}/basic-auth/treq/treq"))
        .auth(("treq", "treq"))
        .await?;
    println!("{} {}", resp.code(), resp.phrase());
    let body: serde_json::Value = resp.json().await?;
    println!("{body}");
    assert_eq!(body["authenticated"], true);

    // Wrong credentials: the server answers 401 (not an error).
    let resp = client
        .get(format!("{base}/basic-auth/treq/treq"))
        .auth(("treq", "wrong"))
        .await?;
    println!("wrong password: {}", resp.code());
    assert_eq!(resp.code(), 401);
    Ok(())
}
