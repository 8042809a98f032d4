//! A GET with query parameters and a header, printing the status and the
//! JSON answer.
//!
//! ```text
//! cargo run --example basic_get                          # embedded local server
//! cargo run --example basic_get -- http://127.0.0.1:8080 # any httpbin
//! ```

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(httpbin::start);
    let url = format!("{base}/get");
    println!("GET {url}");

    let response = treq::get(&url)
        .params([("foo", "bar"), ("baz", "bax")])
        .header("Accept", "application/json")
        .await?
        .error_for_status()?;
    println!("{} {}", response.code(), response.phrase());
    for (name, value) in response.headers() {
        println!("{name}: {}", value.to_str().unwrap_or("<binary>"));
    }

    let body: serde_json::Value = response.json().await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&body).expect("JSON prints")
    );
    if body["args"]["foo"] != "bar" {
        return Err("the server did not see our params".into());
    }
    Ok(())
}
