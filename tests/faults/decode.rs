//! Fault scenarios: decode.
