//! Fault scenarios: stub.
