//! POST a raw body and read back what the server received.
//!
//! ```text
//! cargo run --example basic_post                          # embedded local server
//! cargo run --example basic_post -- http://127.0.0.1:8080 # any httpbin
//! ```

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let url = format!("{base}/post");
    println!("POST {url} with a text body");

    let response = treq::post(&url)
        .header("Content-Type", "text/plain; charset=utf-8")
        .data("Hello, httpbin! 👋")
        .await?
        .error_for_status()?;
    println!("{} {}", response.code(), response.phrase());

    let body: serde_json::Value = response.json().await?;
    println!("the server received: {}", body["data"]);
    println!("with Content-Length: {}", body["headers"]["Content-Length"]);
    if body["data"] != "Hello, httpbin! 👋" {
        return Err("the server echoed a different body".into());
    }
    Ok(())
}
