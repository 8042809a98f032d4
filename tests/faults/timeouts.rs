//! Fault scenarios: timeouts.
