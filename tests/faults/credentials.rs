//! Fault scenarios: credentials.
