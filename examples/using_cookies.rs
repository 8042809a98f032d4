//! Cookies (treq's docs: "Cookies"): read the cookies a response set, and send
//! cookies with a request. A client keeps its cookies across requests.
//!
//! `cargo run --example using_cookies` runs against an embedded local server;
//! pass a base URL to use another server.

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);

    let resp = treq::get(format!("{base}/cookies/set?hello=world"))
        .allow_redirects(false)
        .await?;
    let jar = resp.cookies();
    println!("hello = {}", &jar["hello"]);
    assert_eq!(&jar["hello"], "world");

    // Send the jar (or pairs) with another request.
    let resp = treq::get(format!("{base}/cookies")).cookies(jar).await?;
    let body: serde_json::Value = resp.json().await?;
    println!("{body}");
    assert_eq!(body["cookies"]["hello"], "world");

    // A session keeps cookies between requests; pairs are scoped to the URL's origin.
    let client = treq::HttpClient::new(treq::HyperAgent::new());
    client
        .get(format!("{base}/cookies"))
        .cookies([("session", "1")])
        .await?;
    let body: serde_json::Value = client.get(format!("{base}/cookies")).await?.json().await?;
    println!("{body}");
    assert_eq!(body["cookies"]["session"], "1");
    Ok(())
}
