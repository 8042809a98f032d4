//! Fault scenarios: pool.
