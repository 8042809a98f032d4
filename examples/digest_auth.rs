//! Digest auth (RFC 7616): `client.get(url).auth(treq::Auth::digest(user, pass))`.
//!
//! The first request is challenged with `401 WWW-Authenticate: Digest ...`;
//! the client answers it and remembers the challenge, so the next request to
//! the same server is answered up front (nonce count 2).
//!
//! Run with no argument to use the embedded local httpbin, or pass a base URL
//! of an httpbin-compatible server:
//!
//! ```text
//! cargo run --example digest_auth
//! cargo run --example digest_auth -- http://127.0.0.1:8080
//! ```

#[path = "support/httpbin.rs"]
mod httpbin;

use treq::Auth;

#[tokio::main]
async fn main() -> treq::Result<()> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let client = treq::HttpClient::new(treq::HyperAgent::new());

    for algorithm in ["MD5", "SHA-256"] {
        let url = format!("{base}/digest-auth/auth/user/passwd/{algorithm}");
        let resp = client
            .get(&url)
            .auth(Auth::digest("user", "passwd"))
            .await?;
        let sent = resp
            .request()
            .and_then(|r| r.headers().get("authorization"))
            .map(|v| v.to_str().unwrap_or("?").to_owned())
            .unwrap_or_default();
        println!("{algorithm}: {} {}", resp.code(), resp.phrase());
        println!("  sent: {}", sent.split(", response=").next().unwrap_or(""));
        let body: serde_json::Value = resp.json().await?;
        println!("  {body}");
        assert_eq!(body["authenticated"], true);
    }

    let resp = client
        .get(format!("{base}/digest-auth/auth/user/passwd/MD5"))
        .auth(Auth::digest("user", "wrong"))
        .await?;
    println!("wrong password: {}", resp.code());
    assert_eq!(resp.code(), 401);
    Ok(())
}
