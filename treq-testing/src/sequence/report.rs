//! The failure reports of a [`RequestSequence`](crate::RequestSequence):
//! expected vs got, field by field, with a line diff for the fields that
//! differ (similar's unified diff, `-` expected / `+` got). The request's
//! `Authorization`, `Cookie` and `Proxy-Authorization` values print as
//! `Sensitive`, so no report, panic or log line carries them.

use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use super::expect::Expect;
use crate::matchers::fmt_bytes;
use crate::resource::{MaskedHeaders, StubRequest};

struct Bytes<'a>(&'a [u8]);

impl std::fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_bytes(self.0, f)
    }
}

/// The report for a request that does not match expectation `position`.
pub(crate) fn mismatch(
    position: usize,
    total: usize,
    expect: &Expect,
    got: &StubRequest,
    fields: &[&str],
) -> String {
    let mut out = format!(
        "Expected the next request to be request #{position} of {total}, but it did not match.\n\
         Mismatched fields: {}\n",
        fields.join(", ")
    );
    for field in fields {
        let (expected, actual) = match *field {
            "method" => (format!("{:?}", expect.method), got.method.clone()),
            "url" => (format!("{:#?}", expect.url), format!("{:?}", got.url)),
            "params" => (format!("{:#?}", expect.params), params(got)),
            "headers" => (
                format!("{:#?}", expect.headers),
                // Credentials print as `Sensitive`, as in the request's Debug.
                format!("{:#?}", MaskedHeaders(&got.headers)),
            ),
            _ => (
                format!("{:?}", expect.body),
                format!("{:?}", Bytes(&got.body)),
            ),
        };
        let _ = write!(out, "\n{field}:\n");
        if expected.contains('\n') || actual.contains('\n') {
            out.push_str(&diff(&expected, &actual));
        } else {
            let _ = writeln!(out, "  expected: {expected}\n  got:      {actual}");
        }
    }
    let _ = write!(
        out,
        "\nExpected request: {expect:?}\nGot request:      {got:?}"
    );
    out
}

/// The params of `got`, and why they are not all known if it could not be
/// read whole.
fn params(got: &StubRequest) -> String {
    let params = format!("{:#?}", got.params);
    match &got.read_error {
        Some(error) => format!("{params}\n(the request could not be read whole: {error})"),
        None => params,
    }
}

/// The report for a request arriving after the sequence is exhausted.
pub(crate) fn extra_request(got: &StubRequest, number: usize, total: usize) -> String {
    format!(
        "No more requests expected, but got request #{number} (the sequence expected {total}): {got:?}"
    )
}

/// The report for expectations left when the guard is dropped.
pub(crate) fn unconsumed(first: usize, total: usize, left: &[&Expect]) -> String {
    let mut out = String::from("Not all expected requests were made. Still expecting:");
    for (i, expect) in left.iter().enumerate() {
        let _ = write!(out, "\n- request #{} of {total}: {expect:?}", first + i);
    }
    out
}

/// A unified line diff of two pretty renderings.
fn diff(expected: &str, actual: &str) -> String {
    let mut out = String::from("  diff (- expected, + got):\n");
    for change in TextDiff::from_lines(expected, actual).iter_all_changes() {
        let sign = match change.tag() {
            ChangeTag::Delete => '-',
            ChangeTag::Insert => '+',
            ChangeTag::Equal => ' ',
        };
        let _ = write!(out, "  {sign} {}", change.value());
        if !change.value().ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::matchers::{has_headers, MultiMap};

    #[test]
    fn a_header_mismatch_report_masks_credentials() {
        let expect = Expect::new("GET", "http://a.test/").headers(has_headers([("x-need", ["1"])]));
        let mut headers = MultiMap::new();
        for (name, value) in [
            ("authorization", "Bearer s3cr3t-token"),
            ("cookie", "sid=hunter2"),
            ("proxy-authorization", "Basic cHJveHk6cHc="),
            ("x-trace", "visible"),
        ] {
            headers.insert(name.into(), vec![value.into()]);
        }
        let got = StubRequest {
            method: "GET".into(),
            url: "http://a.test/".into(),
            params: MultiMap::new(),
            headers,
            body: Bytes::new(),
            read_error: None,
        };
        let fields = expect.mismatches(&got);
        assert_eq!(fields, ["headers"]);
        let report = mismatch(1, 1, &expect, &got, &fields);
        for secret in ["s3cr3t-token", "hunter2", "cHJveHk6cHc="] {
            assert!(!report.contains(secret), "{report}");
        }
        assert!(report.contains("+     \"authorization\": ["), "{report}");
        assert!(
            report.contains("\"Sensitive\"") && report.contains("visible"),
            "{report}"
        );
    }
}
