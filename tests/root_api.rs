//! The `treq` root stays small: at most 25 names (functions, types and
//! re-exports; the public modules hold the rest). Read from `lib.rs`, so a
//! new `pub use` at the root fails here until it moves into a module.

use std::path::Path;

const MOST_ROOT_NAMES: usize = 25;

/// The names a `pub use` line (or group) brings into the root.
fn root_names(lib_rs: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = lib_rs;
    while let Some(at) = rest.find("\npub use ") {
        let item = &rest[at + "\npub use ".len()..];
        let end = item.find(';').expect("a use item ends with ;");
        let path = &item[..end];
        match (path.find('{'), path.rfind('}')) {
            (Some(open), Some(close)) => names.extend(
                path[open + 1..close]
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(|n| n.rsplit("::").next().unwrap_or(n).to_owned()),
            ),
            _ => names.push(path.rsplit("::").next().unwrap_or(path).trim().to_owned()),
        }
        rest = &item[end..];
    }
    names
}

#[test]
fn the_root_exports_at_most_25_names() {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("treq/src/lib.rs");
    let source = std::fs::read_to_string(lib).unwrap();
    let mut names = root_names(&source);
    names.sort();
    names.dedup();
    assert!(
        names.len() <= MOST_ROOT_NAMES,
        "{} names at the treq root (at most {MOST_ROOT_NAMES}): {names:?}",
        names.len()
    );
    // The names programs use most stay at the root.
    for name in ["get", "HttpClient", "Response", "Error", "Agent", "Body"] {
        assert!(names.iter().any(|n| n == name), "{name} left the root");
    }
}

#[test]
fn grouped_and_single_uses_are_counted() {
    let names = root_names(
        "\npub use crate::a::{B, c::D};\npub use e::F;\n#[cfg(x)]\npub use g::{H, I};\n",
    );
    assert_eq!(names, ["B", "D", "F", "H", "I"]);
}
