//! Uploads a file and a form field as `multipart/form-data` (treq's
//! `files=` + `data=`), and prints what the server saw.
//!
//! ```text
//! cargo run --example multipart_upload                      # embedded local server
//! cargo run --example multipart_upload -- http://HOST:PORT  # any httpbin-like server
//! ```

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = match std::env::args().nth(1) {
        Some(url) => url,
        None => httpbin::start(),
    };

    // A small file to upload; Part::file streams it from disk with its length.
    let dir = std::env::temp_dir().join(format!("treq-multipart-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("hello.txt");
    std::fs::write(&path, "Hello from a file!\n")?;

    let client = treq::HttpClient::new(treq::HyperAgent::new());
    let result = client
        .post(format!("{}/post", base.trim_end_matches('/')))
        .files([
            ("file1", treq::Part::file(&path).await?),
            ("notes", treq::Part::text("in memory").filename("notes.txt")),
        ])
        .form([("a", "b")])
        .await;
    std::fs::remove_dir_all(&dir)?;
    let response = result?;

    println!("{} {}", response.code(), response.phrase());
    let body: serde_json::Value = response.json().await?;
    println!("form:  {}", body["form"]);
    println!("files: {}", body["files"]);
    Ok(())
}
