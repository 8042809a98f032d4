//! Fault scenarios: cookies.
