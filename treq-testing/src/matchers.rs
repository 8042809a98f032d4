//! Matchers: one value per field of an [`Expect`](crate::Expect).
//!
//! Each field of an `Expect` takes a plain value (an exact match: a method
//! compared case-insensitively, a normalised URL, body bytes) or one of the
//! matchers made here:
//!
//! | function | matches | fields |
//! |---|---|---|
//! | [`any()`] | anything | all |
//! | [`regex(pattern)`](regex()) | text matching the pattern | method, URL, body |
//! | [`params_exact(pairs)`](params_exact) | exactly these params | params |
//! | [`has_headers(pairs)`](has_headers) | at least these headers | headers |
//! | [`json_body(value)`](json_body) | a body equal as JSON, each key once | body |
//! | [`pred(predicate)`](pred) | any `predicates` predicate | all |
//!
//! ```
//! use treq_testing::matchers::{any, has_headers, regex};
//! use treq_testing::Expect;
//!
//! let e = Expect::new("GET", regex("^https://api\\.example/"))
//!     .headers(has_headers([("Accept", ["application/json"])]))
//!     .body(any());
//! ```
//!
//! A [`Matcher`] answers one question (does this actual value fit?) and
//! describes itself through `Debug` for failure reports; [`IntoMatcher`]
//! converts a value into the matcher of one field, which the marker types
//! ([`MethodField`], [`UrlField`], ...) name. Write your own by implementing
//! `Matcher` and passing it boxed ([`BoxMatcher`]).

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;

use crate::normalize::normalize_expected_url;

mod unique_keys;

/// A sorted multi-map: names to their values (values sorted too).
///
/// Used for [`StubRequest::params`](crate::StubRequest::params) and
/// [`StubRequest::headers`](crate::StubRequest::headers).
pub type MultiMap = BTreeMap<String, Vec<String>>;

/// Decides whether an actual value of type `T` is acceptable.
///
/// `Debug` is the description shown as "expected" in failure reports.
pub trait Matcher<T: ?Sized>: fmt::Debug + Send + Sync + 'static {
    /// True if `actual` fits.
    fn matches(&self, actual: &T) -> bool;
}

/// A boxed matcher for values of type `T`.
pub type BoxMatcher<T> = Box<dyn Matcher<T>>;

/// Names a field of a request so that one value (for example a `&str`) can
/// mean different things for different fields: a method compares
/// case-insensitively, a URL is normalised first, a body compares bytes.
pub trait Field {
    /// The type of the actual value a matcher of this field sees.
    type Value: ?Sized + fmt::Debug;
}

/// The method field: the actual value is the uppercase method name.
#[derive(Debug, Clone, Copy)]
pub struct MethodField;
/// The URL field: the actual value is the normalised URL without query,
/// fragment or userinfo (see [`StubRequest::url`](crate::StubRequest::url)).
///
/// An exact URL (`&str`, `String`, [`url::Url`]) given for this field must
/// therefore have neither a query nor userinfo: one that has either never
/// matches, and its failure report says what to write instead (as an
/// invalid [`regex()`] does), so `Expect::new("GET",
/// "http://a.test/items?page=2")` fails the test rather than matching any
/// query. The query is matched by the params field ([`params_exact`]);
/// credentials by the `Authorization` header ([`has_headers`]). A fragment
/// is dropped: a client never sends one.
#[derive(Debug, Clone, Copy)]
pub struct UrlField;
/// The params field: query and form fields as a sorted [`MultiMap`].
#[derive(Debug, Clone, Copy)]
pub struct ParamsField;
/// The headers field: lowercase names to sorted values.
#[derive(Debug, Clone, Copy)]
pub struct HeadersField;
/// The body field: the raw request body.
#[derive(Debug, Clone, Copy)]
pub struct BodyField;

impl Field for MethodField {
    type Value = str;
}
impl Field for UrlField {
    type Value = str;
}
impl Field for ParamsField {
    type Value = MultiMap;
}
impl Field for HeadersField {
    type Value = MultiMap;
}
impl Field for BodyField {
    type Value = [u8];
}

/// Converts a value into the matcher of field `F`.
///
/// Implemented for exact values (`&str`, `String`, bytes, ...), [`AnyMatcher`],
/// [`RegexMatcher`], [`HasHeaders`], [`ParamsExact`], [`JsonBody`], [`Pred`] and boxed
/// matchers, each for the fields where it makes sense.
pub trait IntoMatcher<F: Field> {
    /// The matcher.
    fn into_matcher(self) -> BoxMatcher<F::Value>;
}

impl<F: Field> IntoMatcher<F> for BoxMatcher<F::Value> {
    fn into_matcher(self) -> BoxMatcher<F::Value> {
        self
    }
}

// ---------------------------------------------------------------- any

/// Matches anything (treq's `mock.ANY`). Made by [`any()`].
#[derive(Clone, Copy, Default)]
pub struct AnyMatcher;

/// A matcher that accepts any value, for any field.
///
/// ```
/// use treq_testing::matchers::any;
/// use treq_testing::Expect;
/// let expect = Expect::new(any(), any()).body(any());
/// ```
pub fn any() -> AnyMatcher {
    AnyMatcher
}

impl fmt::Debug for AnyMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<ANY>")
    }
}

impl<T: ?Sized> Matcher<T> for AnyMatcher {
    fn matches(&self, _actual: &T) -> bool {
        true
    }
}

impl<F: Field> IntoMatcher<F> for AnyMatcher {
    fn into_matcher(self) -> BoxMatcher<F::Value> {
        Box::new(AnyMatcher)
    }
}

// ---------------------------------------------------------------- method

/// Exact method, compared case-insensitively.
struct MethodIs(String);

impl fmt::Debug for MethodIs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Matcher<str> for MethodIs {
    fn matches(&self, actual: &str) -> bool {
        self.0.eq_ignore_ascii_case(actual)
    }
}

impl IntoMatcher<MethodField> for &str {
    fn into_matcher(self) -> BoxMatcher<str> {
        Box::new(MethodIs(self.to_ascii_uppercase()))
    }
}
impl IntoMatcher<MethodField> for String {
    fn into_matcher(self) -> BoxMatcher<str> {
        IntoMatcher::<MethodField>::into_matcher(self.as_str())
    }
}
impl IntoMatcher<MethodField> for &String {
    fn into_matcher(self) -> BoxMatcher<str> {
        IntoMatcher::<MethodField>::into_matcher(self.as_str())
    }
}
impl IntoMatcher<MethodField> for http::Method {
    fn into_matcher(self) -> BoxMatcher<str> {
        IntoMatcher::<MethodField>::into_matcher(self.as_str())
    }
}

// ---------------------------------------------------------------- url

/// Exact URL; the expected URL is normalised like the actual one, so
/// `http://Example.com:80` equals `http://example.com/`. A query or userinfo
/// in the expected URL is refused (see [`UrlField`]).
struct UrlIs(String);

impl fmt::Debug for UrlIs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl Matcher<str> for UrlIs {
    fn matches(&self, actual: &str) -> bool {
        self.0 == actual
    }
}

/// An expected URL that can never match (a query or userinfo, see
/// [`UrlField`]): it matches nothing, and its `Debug`, which every failure
/// report shows, says why and what to write instead.
struct UnmatchableUrl(String);

impl fmt::Debug for UnmatchableUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<refused: {}>", self.0)
    }
}

impl Matcher<str> for UnmatchableUrl {
    fn matches(&self, _actual: &str) -> bool {
        false
    }
}

/// A URL with a query or userinfo never matches (see [`UrlField`]).
impl IntoMatcher<UrlField> for &str {
    fn into_matcher(self) -> BoxMatcher<str> {
        match normalize_expected_url(self) {
            Ok(normal) => Box::new(UrlIs(normal)),
            Err(message) => Box::new(UnmatchableUrl(message)),
        }
    }
}
impl IntoMatcher<UrlField> for String {
    fn into_matcher(self) -> BoxMatcher<str> {
        IntoMatcher::<UrlField>::into_matcher(self.as_str())
    }
}
impl IntoMatcher<UrlField> for &String {
    fn into_matcher(self) -> BoxMatcher<str> {
        IntoMatcher::<UrlField>::into_matcher(self.as_str())
    }
}
impl IntoMatcher<UrlField> for url::Url {
    fn into_matcher(self) -> BoxMatcher<str> {
        IntoMatcher::<UrlField>::into_matcher(self.as_str())
    }
}

// ---------------------------------------------------------------- regex

/// A regular expression matcher for text fields (method, URL) and bodies.
/// Made by [`regex()`].
///
/// A pattern that does not compile never matches, and its `Debug` (shown in
/// every failure report) names the pattern and the compile error, so the
/// mistake surfaces as a test failure instead of a panic.
#[derive(Clone)]
pub struct RegexMatcher {
    pattern: String,
    compiled: Result<regex::Regex, String>,
}

/// A [`RegexMatcher`] from a pattern (searched anywhere: anchor it with
/// `^...$` to match the whole value).
///
/// ```
/// use treq_testing::matchers::regex;
/// use treq_testing::Expect;
/// let expect = Expect::new("GET", regex("^http://api\\.example/v[0-9]+/"));
/// ```
pub fn regex(pattern: impl AsRef<str>) -> RegexMatcher {
    let pattern = pattern.as_ref().to_owned();
    let compiled = regex::Regex::new(&pattern).map_err(|e| e.to_string());
    RegexMatcher { pattern, compiled }
}

impl RegexMatcher {
    /// The error if the pattern did not compile.
    pub fn error(&self) -> Option<&str> {
        self.compiled.as_ref().err().map(String::as_str)
    }

    fn is_match(&self, text: &str) -> bool {
        match &self.compiled {
            Ok(re) => re.is_match(text),
            Err(_) => false,
        }
    }
}

impl fmt::Debug for RegexMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.compiled {
            Ok(_) => write!(f, "regex({:?})", self.pattern),
            Err(e) => write!(f, "invalid regex({:?}): {e}", self.pattern),
        }
    }
}

impl Matcher<str> for RegexMatcher {
    fn matches(&self, actual: &str) -> bool {
        self.is_match(actual)
    }
}

impl Matcher<[u8]> for RegexMatcher {
    fn matches(&self, actual: &[u8]) -> bool {
        std::str::from_utf8(actual).is_ok_and(|s| self.is_match(s))
    }
}

impl IntoMatcher<MethodField> for RegexMatcher {
    fn into_matcher(self) -> BoxMatcher<str> {
        Box::new(self)
    }
}
impl IntoMatcher<UrlField> for RegexMatcher {
    fn into_matcher(self) -> BoxMatcher<str> {
        Box::new(self)
    }
}
impl IntoMatcher<BodyField> for RegexMatcher {
    fn into_matcher(self) -> BoxMatcher<[u8]> {
        Box::new(self)
    }
}
impl<F: Field> IntoMatcher<F> for regex::Regex
where
    RegexMatcher: IntoMatcher<F>,
{
    fn into_matcher(self) -> BoxMatcher<F::Value> {
        RegexMatcher {
            pattern: self.as_str().to_owned(),
            compiled: Ok(self),
        }
        .into_matcher()
    }
}

// ---------------------------------------------------------------- params

/// Exact params: the same names with the same values (order ignored).
/// Made by [`params_exact`]; an empty list means "no params at all".
#[derive(Clone, PartialEq, Eq)]
pub struct ParamsExact(MultiMap);

/// Params that must equal these exactly (values compared as sorted lists).
///
/// ```
/// use treq_testing::matchers::params_exact;
/// use treq_testing::Expect;
/// let expect = Expect::new("GET", "http://a.example/")
///     .params(params_exact(vec![("page".to_string(), vec!["1".to_string()])]));
/// ```
pub fn params_exact(pairs: Vec<(String, Vec<String>)>) -> ParamsExact {
    ParamsExact(to_multimap(pairs, false))
}

fn to_multimap<K, V, I>(pairs: impl IntoIterator<Item = (K, I)>, lower: bool) -> MultiMap
where
    K: AsRef<str>,
    I: IntoIterator<Item = V>,
    V: AsRef<str>,
{
    let mut map = MultiMap::new();
    for (k, vs) in pairs {
        let key = if lower {
            k.as_ref().to_ascii_lowercase()
        } else {
            k.as_ref().to_owned()
        };
        map.entry(key)
            .or_default()
            .extend(vs.into_iter().map(|v| v.as_ref().to_owned()));
    }
    for values in map.values_mut() {
        values.sort();
    }
    map
}

impl fmt::Debug for ParamsExact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Matcher<MultiMap> for ParamsExact {
    fn matches(&self, actual: &MultiMap) -> bool {
        &self.0 == actual
    }
}

impl IntoMatcher<ParamsField> for ParamsExact {
    fn into_matcher(self) -> BoxMatcher<MultiMap> {
        Box::new(self)
    }
}

impl IntoMatcher<ParamsField> for MultiMap {
    fn into_matcher(self) -> BoxMatcher<MultiMap> {
        Box::new(ParamsExact(to_multimap(self, false)))
    }
}

// ---------------------------------------------------------------- headers

/// Matches headers that include these (treq's `HasHeaders`).
///
/// Every expected name must be present (names compare case-insensitively)
/// and its expected values must be a subset of the actual values (values
/// compare case-sensitively; order and duplicates are ignored). An empty
/// `HasHeaders` matches any headers.
///
/// ```
/// use treq_testing::matchers::{has_headers, Matcher, MultiMap};
///
/// let expected = has_headers([("One", ["two", "three"])]);
/// let mut actual = MultiMap::new();
/// actual.insert("one".into(), vec!["four".into(), "three".into(), "two".into()]);
/// assert!(expected.matches(&actual));
/// assert_eq!(format!("{expected:?}"), r#"HasHeaders({"one": ["three", "two"]})"#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct HasHeaders(MultiMap);

impl HasHeaders {
    /// Expected headers as `(name, values)` pairs (the form `request_sequence!`
    /// emits); see [`has_headers`] for a generic constructor.
    pub fn new(pairs: Vec<(String, Vec<String>)>) -> Self {
        HasHeaders(to_multimap(pairs, true))
    }

    /// The expected headers: lowercase names to sorted values.
    pub fn expected(&self) -> &MultiMap {
        &self.0
    }
}

/// A [`HasHeaders`] from any `(name, values)` pairs.
///
/// ```
/// use treq_testing::matchers::has_headers;
/// let h = has_headers([("Accept", vec!["application/json"])]);
/// ```
pub fn has_headers<K, V, I>(pairs: impl IntoIterator<Item = (K, I)>) -> HasHeaders
where
    K: AsRef<str>,
    I: IntoIterator<Item = V>,
    V: AsRef<str>,
{
    HasHeaders(to_multimap(pairs, true))
}

impl fmt::Debug for HasHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HasHeaders({:?})", self.0)
    }
}

impl Matcher<MultiMap> for HasHeaders {
    fn matches(&self, actual: &MultiMap) -> bool {
        self.0.iter().all(|(name, expected)| {
            let found = actual
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v);
            match found {
                Some(values) => expected.iter().all(|e| values.contains(e)),
                None => false,
            }
        })
    }
}

impl IntoMatcher<HeadersField> for HasHeaders {
    fn into_matcher(self) -> BoxMatcher<MultiMap> {
        Box::new(self)
    }
}

// ---------------------------------------------------------------- body

/// Exact body bytes.
struct BodyIs(Bytes);

impl fmt::Debug for BodyIs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_bytes(&self.0, f)
    }
}

/// Shows bytes as a string when they are UTF-8, else as `b"..."` escapes.
pub(crate) fn fmt_bytes(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match std::str::from_utf8(bytes) {
        Ok(s) => write!(f, "{s:?}"),
        Err(_) => write!(f, "b\"{}\"", bytes.escape_ascii()),
    }
}

impl Matcher<[u8]> for BodyIs {
    fn matches(&self, actual: &[u8]) -> bool {
        self.0 == actual
    }
}

macro_rules! body_exact {
    ($($t:ty),*) => {$(
        impl IntoMatcher<BodyField> for $t {
            fn into_matcher(self) -> BoxMatcher<[u8]> {
                Box::new(BodyIs(Bytes::copy_from_slice(AsRef::<[u8]>::as_ref(&self))))
            }
        }
    )*};
}
body_exact!(&str, String, &String, Vec<u8>, &[u8], Bytes);

impl<const N: usize> IntoMatcher<BodyField> for &[u8; N] {
    fn into_matcher(self) -> BoxMatcher<[u8]> {
        Box::new(BodyIs(Bytes::copy_from_slice(self)))
    }
}

/// A body that parses as JSON equal to this value (whitespace and key order
/// do not matter). Made by [`json_body`].
///
/// A body naming a key twice in one object, at any depth, never matches:
/// which of the values counts depends on the parser that reads it (one keeps
/// the first, another the last), so `{"amount": 1000, "amount": 2}` is not
/// `{"amount": 2}`.
#[derive(Clone, PartialEq)]
pub struct JsonBody(serde_json::Value);

/// A body matcher comparing JSON values instead of bytes.
///
/// ```
/// use treq_testing::matchers::json_body;
/// use treq_testing::Expect;
/// let expect = Expect::new("POST", "http://a.example/")
///     .body(json_body(serde_json::json!({"msg": "hi"})));
/// ```
pub fn json_body(value: serde_json::Value) -> JsonBody {
    JsonBody(value)
}

impl fmt::Debug for JsonBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "json({})", self.0)
    }
}

impl Matcher<[u8]> for JsonBody {
    fn matches(&self, actual: &[u8]) -> bool {
        serde_json::from_slice::<serde_json::Value>(actual).is_ok_and(|v| v == self.0)
            && unique_keys::has_unique_keys(actual)
    }
}

impl IntoMatcher<BodyField> for JsonBody {
    fn into_matcher(self) -> BoxMatcher<[u8]> {
        Box::new(self)
    }
}

// ---------------------------------------------------------------- predicates

/// Wraps any [`predicates::Predicate`] as a matcher. Made by [`pred`].
#[derive(Clone)]
pub struct Pred<P>(P);

/// A matcher from a `predicates` predicate over the field's value (`str` for
/// method and URL, `[u8]` for the body, [`MultiMap`] for params and headers).
///
/// ```
/// use predicates::prelude::*;
/// use treq_testing::matchers::pred;
/// use treq_testing::Expect;
/// let expect = Expect::new("GET", pred(predicates::str::ends_with("/health")));
/// ```
pub fn pred<P>(predicate: P) -> Pred<P> {
    Pred(predicate)
}

impl<P: fmt::Display> fmt::Debug for Pred<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pred({})", self.0)
    }
}

impl<T, P> Matcher<T> for Pred<P>
where
    T: ?Sized,
    P: predicates::Predicate<T> + Send + Sync + 'static,
{
    fn matches(&self, actual: &T) -> bool {
        self.0.eval(actual)
    }
}

impl<F, P> IntoMatcher<F> for Pred<P>
where
    F: Field,
    P: predicates::Predicate<F::Value> + Send + Sync + 'static,
{
    fn into_matcher(self) -> BoxMatcher<F::Value> {
        Box::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &[&str])]) -> MultiMap {
        to_multimap(pairs.iter().map(|(k, v)| (*k, v.iter())), false)
    }

    // The cases of treq's HasHeadersTests.
    #[test]
    fn has_headers_is_a_superset_match() {
        let h = has_headers([("one", ["two", "three"])]);
        assert!(h.matches(&map(&[
            ("one", &["two", "three", "four"]),
            ("ten", &["six"])
        ])));
        assert!(!h.matches(&map(&[("one", &["three", "four"])])));
        assert!(!h.matches(&map(&[("one", &["two"])])));
        assert!(!h.matches(&map(&[("ten", &["six"])])));
    }

    #[test]
    fn has_headers_names_are_case_insensitive_values_are_not() {
        assert!(has_headers([("A", ["1"])]).matches(&map(&[("a", &["1"])])));
        assert!(has_headers([("a", ["1"])]).matches(&map(&[("A", &["1"])])));
        assert!(!has_headers([("a", ["a"])]).matches(&map(&[("a", &["A"])])));
    }

    #[test]
    fn empty_has_headers_matches_anything() {
        let h = HasHeaders::new(vec![]);
        assert!(h.matches(&MultiMap::new()));
        assert!(h.matches(&map(&[("x", &["y"])])));
    }

    #[test]
    fn has_headers_debug_is_readable() {
        let h = HasHeaders::new(vec![("A".into(), vec!["b".into()])]);
        assert_eq!(format!("{h:?}"), r#"HasHeaders({"a": ["b"]})"#);
    }

    #[test]
    fn method_matches_case_insensitively() {
        let m = IntoMatcher::<MethodField>::into_matcher("get");
        assert!(m.matches("GET"));
        assert!(!m.matches("POST"));
    }

    #[test]
    fn url_is_normalised_before_comparing() {
        let m = IntoMatcher::<UrlField>::into_matcher("http://Example.COM:80#top");
        assert!(m.matches("http://example.com/"));
        let m = IntoMatcher::<UrlField>::into_matcher(url::Url::parse("http://a.test/x").unwrap());
        assert!(m.matches("http://a.test/x"));
    }

    #[test]
    fn an_expected_url_with_a_query_never_matches_and_points_at_params() {
        let refused = |url: BoxMatcher<str>| {
            assert!(!url.matches("http://a.test/items"));
            assert!(!url.matches("http://a.test/"));
            format!("{url:?}")
        };
        let message = refused(IntoMatcher::<UrlField>::into_matcher(
            "http://a.test/items?page=2",
        ));
        assert!(message.contains("has a query (`?page=2`)"), "{message}");
        assert!(message.contains(".params(params_exact(...))"), "{message}");
        let url = url::Url::parse("http://a.test/?page=2").unwrap();
        let message = refused(IntoMatcher::<UrlField>::into_matcher(url));
        assert!(message.contains("has a query"), "{message}");
        let message = refused(IntoMatcher::<UrlField>::into_matcher(String::from(
            "http://a.test/?",
        )));
        assert!(message.contains("has a query"), "{message}");
    }

    #[test]
    fn an_expected_url_with_userinfo_never_matches_and_points_at_authorization() {
        let url = IntoMatcher::<UrlField>::into_matcher("http://user:pw@a.test/");
        assert!(!url.matches("http://a.test/"));
        let message = format!("{url:?}");
        assert!(message.contains("has userinfo"), "{message}");
        assert!(message.contains(r#"("Authorization", [...])"#), "{message}");
        assert!(!message.contains("pw@"), "{message}");
    }

    #[test]
    fn invalid_regex_never_matches_and_says_why() {
        let r = regex("(unclosed");
        assert!(r.error().is_some());
        assert!(!Matcher::<str>::matches(&r, "(unclosed"));
        assert!(format!("{r:?}").starts_with("invalid regex(\"(unclosed\")"));
    }

    #[test]
    fn json_body_ignores_formatting() {
        let m = json_body(serde_json::json!({"a": 1, "b": [true]}));
        assert!(m.matches(br#"{ "b": [true], "a": 1 }"#));
        assert!(!m.matches(br#"{"a": 2}"#));
        assert!(!m.matches(b"not json"));
    }

    #[test]
    fn json_body_refuses_a_body_with_duplicate_keys() {
        let m = json_body(serde_json::json!({"amount": 2}));
        assert!(m.matches(br#"{"amount": 2}"#));
        assert!(!m.matches(br#"{"amount": 1000, "amount": 2}"#));
        assert!(!m.matches(br#"{"amount": 2, "amount": 2}"#));
        let nested = json_body(serde_json::json!({"a": [{"b": 1}], "c": {"d": 2}}));
        assert!(nested.matches(br#"{"a": [{"b": 1}], "c": {"d": 2}}"#));
        assert!(!nested.matches(br#"{"a": [{"b": 0, "b": 1}], "c": {"d": 2}}"#));
        assert!(!nested.matches(br#"{"a": [{"b": 1}], "c": {"d": 0, "d": 2}}"#));
        // The same key spelled with an escape is still the same key.
        assert!(!m.matches(br#"{"amount": 1000, "\u0061mount": 2}"#));
    }

    #[test]
    fn predicates_work_on_each_field() {
        use predicates::prelude::*;
        let p = IntoMatcher::<UrlField>::into_matcher(pred(predicate::str::contains("api")));
        assert!(p.matches("http://x/api"));
        let b = IntoMatcher::<BodyField>::into_matcher(pred(predicate::function(|b: &[u8]| {
            b.len() == 3
        })));
        assert!(b.matches(b"abc"));
        assert!(!b.matches(b"ab"));
    }

    #[test]
    fn params_exact_sorts_values_and_empty_means_none() {
        let p = params_exact(vec![("b".into(), vec!["2".into(), "1".into()])]);
        assert!(p.matches(&map(&[("b", &["1", "2"])])));
        assert!(params_exact(vec![]).matches(&MultiMap::new()));
        assert!(!params_exact(vec![]).matches(&map(&[("x", &["1"])])));
    }
}
