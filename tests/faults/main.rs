//! The fault suite: one test per hostile-server or bad-input scenario. Each
//! ends in a typed error (or the right response) within a bound, never a
//! panic, a hang or unbounded memory. Every test wraps its work in
//! `support::bounded`, so a hang fails that test instead of the run.

#[path = "../support/mod.rs"]
mod support;

mod cookies;
mod credentials;
mod decode;
mod early;
mod pool;
mod stub;
mod timeouts;
mod tls;
mod wire;
