//! Compile-time behaviour of `request_sequence!`, pinned with trybuild.
//!
//! - `ui/pass/*.rs` must compile and run: one file per grammar form.
//! - `ui/fail/*.rs` must fail to compile with exactly the messages in the `.stderr`
//!   file next to it (every error at its token, all errors of an invocation at once).
//!
//! After changing a message, regenerate the snapshots and review every diff by eye
//! before committing (the snapshots *are* the spec of the messages):
//!
//! ```text
//! TRYBUILD=overwrite cargo test -p treq-macros --test ui
//! ```
//!
//! The `.stderr` files depend on rustc's diagnostic rendering, so they are checked
//! against the toolchain the workspace pins (`rust-version` in the root Cargo.toml
//! is the minimum; the snapshots were made with stable 1.95).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
