//! treq-macros: [`request_sequence!`], expected HTTP request sequences declared as
//! data and checked at compile time.
//!
//! Use it through `treq_testing::request_sequence`, which re-exports it; the code it
//! generates refers to `treq_testing`, so that crate must be a (dev-)dependency.
//!
//! The implementation is staged like thiserror's: `parse` (tokens to `ast`),
//! `validate` (compile-time checks with spans, all errors at once) and `expand`
//! (builder calls). They work on `proc_macro2` types so they are unit-tested directly.

#![warn(missing_docs)]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod ast;
mod expand;
mod parse;
mod validate;

/// Declares a [`RequestSequence`]: the requests a test expects, in order, each with the
/// response that answers it.
///
/// Each entry reads like an HTTP exchange — the request, `=>`, the response — and ends
/// with `;`:
///
/// ```
/// # use treq_testing::request_sequence;
/// let seq = request_sequence! {
///     GET "http://an.example/foo" params { "a" => "b" } headers { "Accept" => "application/json" }
///         => 200 headers { "Content-Type" => "application/json" } body r#"{"status": "ok"}"#;
///     DELETE "http://an.example/foo/1" => 204;
/// };
/// # let _ = seq;
/// ```
///
/// It expands to `treq_testing`'s builder API
/// (`RequestSequence::new(vec![(Expect::new(..).params(..).., StubResponse::new(..)..), ..])`)
/// and evaluates to a `RequestSequence`, to be served and verified when the stub is
/// dropped with `StubTreq::verifying(seq)` (or served with `StubTreq::new(seq.clone())`
/// and checked with `seq.verify()`).
///
/// # The request
///
/// `METHOD URL` then, in any order, each at most once:
///
/// | part | meaning |
/// |---|---|
/// | `params { "a" => "1", "b" => ["2", "3"] }` | exactly these query/form parameters; repeated keys list their values; `params {}` means *no* parameters |
/// | `headers { "Accept" => "text/html" }` | **at least** these headers (a superset match: names case-insensitive, values case-sensitive) |
/// | `body "text"`, `body b"bytes"` | exactly this body |
/// | `body regex("^a.*z$")` | a body matching the regex |
/// | `json { "k": [1, 2] }`, `json [..]`, `json(value)` | a body equal to this JSON document, compared as JSON (whitespace and key order do not matter); the syntax of `serde_json::json!`, `value` is anything `Serialize` |
///
/// **An omitted part matches anything.** `_` is an explicit wildcard for any part:
/// the method, the URL, `params _`, `headers _`, `body _`.
///
/// The method is a standard one (`GET`, `HEAD`, `POST`, `PUT`, `DELETE`, `CONNECT`,
/// `OPTIONS`, `TRACE`, `PATCH`) or a custom uppercase token (`PROPFIND`); a token one
/// typo away from a standard method is rejected with a suggestion. A method that is
/// not an identifier, like `M-SEARCH`, is written as an expression: `("M-SEARCH")`.
/// The URL is a string literal (parsed at compile time: `http` or `https`, no query —
/// the query is matched by `params` — and normalised the way the stub reports URLs,
/// e.g. `http://A.example:80` becomes `http://a.example/`) or
/// `regex("^https://api\\.example/")`.
///
/// ```
/// # use treq_testing::request_sequence;
/// let seq = request_sequence! {
///     POST "https://api.example/items" headers { "Content-Type" => "application/json" }
///         json { "name": "widget", "tags": ["a", "b"] }
///         => 201 json { "id": 7 };
///     GET regex("^https://api\\.example/items/[0-9]+$") params {} => 200 body "widget";
///     PUT "https://api.example/upload" body b"\x00\x01" => 204;
///     _ _ body _ => 500 body "anything else";
/// };
/// # let _ = seq;
/// ```
///
/// # The response
///
/// The status code (100–999), then optionally `headers { "Name" => "value", "Set-Cookie"
/// => ["a=1", "b=2"] }` and a body: `body "text"`, `body b"bytes"`, `json { ... }` or
/// `json(value)`.
///
/// # Runtime values
///
/// Wherever a literal goes, a parenthesized expression may go instead:
///
/// - the method, the URL and a request body: anything `Expect::new` / `Expect::body`
///   accept — strings, `http::Method`, `url::Url`, bytes, and matchers such as a
///   runtime `treq_testing::matchers::regex(..)` or `treq_testing::matchers::pred(..)`;
/// - map keys and values, response header names and values: anything `ToString`;
/// - the status: a `u16` or an `http::StatusCode`;
/// - the response body: anything `StubResponse::body` accepts; `json(value)`: anything
///   `Serialize`.
///
/// Expressions are checked when the test runs, not at compile time.
///
/// ```
/// # use treq_testing::request_sequence;
/// let base = "http://127.0.0.1:8080";
/// let page = 2;
/// let seq = request_sequence! {
///     GET (format!("{base}/items")) params { "page" => (page) }
///         => (http::StatusCode::OK) body (vec![1u8, 2]);
///     (http::Method::DELETE) (treq_testing::matchers::regex(format!("^{base}/items/[0-9]+$"))) => 204;
/// };
/// # let _ = seq;
/// ```
///
/// # Compile-time errors
///
/// Every error of an invocation is reported at once, each at its token: unknown
/// methods (`GTE` → "did you mean `GET`?"), URLs that do not parse or are not
/// http/https, status codes outside 100–999, invalid header names or values, invalid
/// regexes, a key given twice in one map, a part given twice, a missing `=>` or `;`.
///
/// ```text
/// error: unknown HTTP method `GTE`: did you mean `GET`?
///  --> tests/api.rs:6:9
///   |
/// 6 |         GTE "http://an.example/" => 200;
///   |         ^^^
/// ```
///
/// The other entries still expand (a rejected part becomes `_`), so the rest of the
/// test type-checks and only these errors are shown. The full set of messages is
/// pinned by the crate's trybuild tests (`tests/ui/fail/*.stderr`).
///
/// [`RequestSequence`]: https://docs.rs/treq-testing/latest/treq_testing/struct.RequestSequence.html
#[proc_macro]
pub fn request_sequence(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand::request_sequence(input.into()).into()
}
