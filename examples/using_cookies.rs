//! Cookies (treq's docs: "Cookies"): read the cookies a response set, and send
//! cookies with a request. A client keeps its cookies across requests, within
//! the jar's limits.
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
    // `get` ignores the domain; `None` when no cookie or several have the name.
    let hello = jar.get("hello");
    println!("hello = {hello:?}");
    assert_eq!(hello.as_deref(), Some("world"));
    // `get_for` gives the value that would be sent to one URL: the safe form.
    let for_base = jar.get_for(format!("{base}/anything"), "hello");
    assert_eq!(for_base.as_deref(), Some("world"));
    // `try_get` says why there is no single value.
    match jar.try_get("missing") {
        Err(treq::cookie::CookieLookupError::NotFound { name }) => {
            println!("no cookie named {name}")
        }
        other => panic!("unexpected: {other:?}"),
    }

    // Send the jar (or pairs) with another request.
    let resp = treq::get(format!("{base}/cookies")).cookies(jar).await?;
    let body: serde_json::Value = resp.json().await?;
    println!("{body}");
    assert_eq!(body["cookies"]["hello"], "world");

    // A session keeps cookies between requests; pairs are scoped to the URL's
    // origin. Its jar may have tighter limits than the defaults (4096 bytes a
    // cookie, 180 a site, 3000 in all).
    let session_jar = treq::CookieJar::builder()
        .max_cookies_per_domain(50)
        .max_cookies(1000)
        .build();
    let client = treq::HttpClient::builder(treq::HyperAgent::new())
        .cookie_jar(session_jar)
        .build();
    client
        .get(format!("{base}/cookies"))
        .cookies([("session", "1")])
        .await?;
    let body: serde_json::Value = client.get(format!("{base}/cookies")).await?.json().await?;
    println!("{body}");
    assert_eq!(body["cookies"]["session"], "1");
    Ok(())
}
