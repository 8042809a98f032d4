//! Streams 1 GiB (or the size given in MiB) from the embedded server with
//! `unbuffered(true)` + `collect`, then prints the peak resident memory, which
//! should stay in the low tens of MiB whatever the size. Not part of `cargo
//! test`: run it in release mode,
//!
//! ```text
//! cargo build --release --example rss_download
//! /usr/bin/time -v target/release/examples/rss_download        # 1024 MiB
//! target/release/examples/rss_download 64                       # 64 MiB
//! ```
//!
//! `/usr/bin/time -v` reports "Maximum resident set size"; on Linux the
//! example also prints `VmHWM` from `/proc/self/status`.

use std::time::Instant;

#[path = "support/httpbin.rs"]
mod httpbin;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: u64 = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("not a size in MiB: {arg}"))?,
        None => 1024,
    };
    let size = mib * 1024 * 1024;
    let base = httpbin::start();
    let url = format!("{base}/stream-bytes/{size}?chunk_size=65536");
    println!("GET {url} (unbuffered)");

    let started = Instant::now();
    let response = treq::get(&url).unbuffered(true).await?.error_for_status()?;
    let mut received = 0u64;
    response
        .collect(|chunk| received += chunk.len() as u64)
        .await?;
    let elapsed = started.elapsed();
    println!(
        "received {received} bytes in {elapsed:.2?} ({:.0} MiB/s)",
        received as f64 / 1048576.0 / elapsed.as_secs_f64()
    );
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        {
            println!("{line}");
        }
    }
    if received != size {
        return Err(format!("expected {size} bytes, got {received}").into());
    }
    Ok(())
}
