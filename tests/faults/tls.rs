//! Fault scenarios: tls.
