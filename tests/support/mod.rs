//! Shared helpers for the integration tests: loopback HTTP/HTTPS servers with
//! connection counting, and TLS certificates made at test time.
#![allow(dead_code, unreachable_pub, unused_imports)]

pub mod record;
pub mod server;
pub mod tls;
pub mod wire;

pub use server::{Server, ServerRequest};
