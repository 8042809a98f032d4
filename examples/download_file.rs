//! Stream a download to a file chunk by chunk with `unbuffered(true)` and
//! `collect`, so memory stays flat whatever the size.
//!
//! ```text
//! cargo run --example download_file                          # 5 MiB from the embedded server
//! cargo run --example download_file -- http://127.0.0.1:8080 # any httpbin (it caps at 100 KiB)
//! ```

use std::io::Write as _;

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let given = std::env::args().nth(1);
    // The real httpbin serves at most 100 KiB from /stream-bytes.
    let size: u64 = if given.is_some() {
        100 * 1024
    } else {
        5 * 1024 * 1024
    };
    let base = given.unwrap_or_else(httpbin::start);
    let url = format!("{base}/stream-bytes/{size}?chunk_size=65536&seed=7");

    let path = std::env::temp_dir().join(format!("treq-download-{}.bin", std::process::id()));
    println!("GET {url}\n  -> {}", path.display());

    let response = treq::get(&url).unbuffered(true).await?.error_for_status()?;
    println!(
        "{} {} (Content-Length: {:?})",
        response.code(),
        response.phrase(),
        response.length()
    );

    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let (mut chunks, mut written) = (0u64, 0u64);
    let mut write_error = None;
    response
        .collect(|chunk| {
            chunks += 1;
            written += chunk.len() as u64;
            // `collect` takes a plain closure: keep the first I/O error for later.
            if write_error.is_none() {
                write_error = file.write_all(&chunk).err();
            }
        })
        .await?;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    file.flush()?;
    drop(file);

    let on_disk = std::fs::metadata(&path)?.len();
    println!("wrote {written} bytes in {chunks} chunks; {on_disk} bytes on disk");
    std::fs::remove_file(&path)?;
    if on_disk != size {
        return Err(format!("expected {size} bytes, got {on_disk}").into());
    }

    // An unbuffered body can be read once: a second read is a clear error.
    let again = response.content().await;
    println!(
        "reading it again: {}",
        again
            .map(|_| "ok".to_owned())
            .unwrap_or_else(|e| e.to_string())
    );
    Ok(())
}
