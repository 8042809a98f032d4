//! Property tests: generated hostile input for every parser the client runs
//! on what a server (or a config file) sends, driven through the public API.
//! Each property checks "no panic, a typed result" and, where an independent
//! oracle exists, the exact outcome.
//!
//! The default `cargo test` runs a few cases per property; set
//! `PROPTEST_CASES` for a campaign (the loopback family runs a tenth of it,
//! see [`harness::cases`]):
//!
//! ```text
//! PROPTEST_CASES=100000 cargo test --release --test fuzz
//! ```

#[path = "../support/mod.rs"]
mod support;

mod harness;

mod charset;
mod cookies;
mod digest;
mod encoding;
mod headers;
mod heads;
mod multipart;
mod netrc;
mod urls;
