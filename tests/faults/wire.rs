//! Fault scenarios: wire.
