//! POST a JSON document built with `serde_json::json!` or any `Serialize`
//! type, and read the answer into a typed struct.
//!
//! ```text
//! cargo run --example json_post                          # embedded local server
//! cargo run --example json_post -- http://127.0.0.1:8080 # any httpbin
//! ```

use serde::{Deserialize, Serialize};

#[path = "support/httpbin.rs"]
mod httpbin;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Greeting {
    msg: String,
    count: u32,
}

/// The part of httpbin's answer this example reads.
#[derive(Debug, Deserialize)]
struct Echo {
    json: Option<Greeting>,
    headers: std::collections::HashMap<String, String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let url = format!("{base}/post");

    let sent = Greeting {
        msg: "Hello!".into(),
        count: 3,
    };
    println!("POST {url} with {sent:?} as JSON");
    let response = treq::post(&url).json(&sent).await?.error_for_status()?;
    println!("{} {}", response.code(), response.phrase());

    let echo: Echo = response.json().await?;
    println!("Content-Type sent: {:?}", echo.headers.get("Content-Type"));
    println!("the server parsed: {:?}", echo.json);
    if echo.json.as_ref() != Some(&sent) {
        return Err("the server parsed a different document".into());
    }

    // Untyped JSON works the same way.
    let response = treq::put(format!("{base}/put"))
        .json(&serde_json::json!({"tags": ["a", "b"], "ok": true}))
        .await?;
    let body: serde_json::Value = response.json().await?;
    println!("PUT echoed: {}", body["json"]);
    Ok(())
}
