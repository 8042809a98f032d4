//! Runs the embedded httpbin-like server of the examples in the foreground,
//! so curl or another client can talk to it. Stop it with Ctrl-C.
//!
//! ```text
//! cargo run --example httpbin_server
//! ```

#[path = "support/httpbin.rs"]
mod httpbin;

fn main() {
    let url = httpbin::start();
    println!("httpbin-like server listening on {url}");
    loop {
        std::thread::park();
    }
}
