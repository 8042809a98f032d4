//! Compile-time checks of the literals in a `request_sequence!`.
//!
//! Every problem is recorded (at its token) and the offending part is neutralised — a
//! rejected method, URL or body becomes `_`, a rejected map entry is dropped, a rejected
//! status becomes a placeholder — so the expansion still type-checks and the user sees
//! only the real errors. Runtime expressions are not checked here; the testing API
//! checks them when the test runs.

use std::collections::HashMap;

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use syn::{LitInt, LitStr};

#[cfg(test)]
use crate::ast::Sequence;
use crate::ast::{
    Body, Entry, Errors, Json, Map, MapSpec, Method, ResponseBody, Status, Text, Url,
};

/// The methods of RFC 9110 plus PATCH (RFC 5789).
const STANDARD_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// Validates a whole invocation (the unit tests' entry point; see `parse::parse_sequence`).
#[cfg(test)]
pub(crate) fn validate(sequence: &mut Sequence, errors: &mut Errors) {
    for entry in &mut sequence.entries {
        validate_entry(entry, errors);
    }
}

pub(crate) fn validate_entry(entry: &mut Entry, errors: &mut Errors) {
    let Entry::Exchange(exchange) = entry else {
        return;
    };
    let request = &mut exchange.request;
    validate_method(&mut request.method, errors);
    validate_url(&mut request.url, errors);
    if let Some(MapSpec::Map(params)) = &mut request.params {
        validate_map(params, MapKind::Params, errors);
    }
    if let Some(MapSpec::Map(headers)) = &mut request.headers {
        validate_map(headers, MapKind::Headers, errors);
    }
    match &request.body {
        Some(Body::Regex(pattern)) if !regex_is_valid(pattern, errors) => {
            request.body = Some(Body::Any(pattern.span()));
        }
        Some(Body::Json(Json::Inline(json))) if !json_is_valid(json, errors) => {
            request.body = Some(Body::Any(Span::call_site()));
        }
        _ => {}
    }
    let response = &mut exchange.response;
    if let Status::Literal(status) = &response.status {
        if let Err(error) = check_status(status) {
            response.status = Status::Invalid(status.span());
            errors.push(error);
        }
    }
    if let Some(headers) = &mut response.headers {
        validate_map(headers, MapKind::Headers, errors);
    }
    if let Some(ResponseBody::Json(Json::Inline(json))) = &response.body {
        if !json_is_valid(json, errors) {
            response.body = None;
        }
    }
}

fn validate_method(method: &mut Method, errors: &mut Errors) {
    let Method::Name(ident) = method else { return };
    if let Err(message) = check_method(&ident.to_string()) {
        errors.error(ident.span(), message);
        *method = Method::Any(ident.span());
    }
}

/// Standard methods and custom uppercase tokens are accepted; a custom token within a
/// typo of a standard method is rejected with a suggestion, since it is far more likely
/// to be a mistake (and the test would then fail at runtime, far from the cause).
pub(crate) fn check_method(name: &str) -> Result<(), String> {
    if STANDARD_METHODS.contains(&name) {
        return Ok(());
    }
    let upper = name.to_ascii_uppercase();
    if upper != name {
        return Err(if STANDARD_METHODS.contains(&upper.as_str()) {
            format!("HTTP methods are written in uppercase: `{upper}`")
        } else {
            format!("HTTP methods are written in uppercase, like `GET`; found `{name}`")
        });
    }
    if http::Method::from_bytes(name.as_bytes()).is_err() {
        return Err(format!("`{name}` is not a valid HTTP method token"));
    }
    let closest = STANDARD_METHODS
        .iter()
        .map(|standard| (edit_distance(name, standard), *standard))
        .min();
    if let Some((distance, standard)) = closest {
        let tolerance = if name.len() <= 4 { 1 } else { 2 };
        if distance <= tolerance {
            return Err(format!(
                "unknown HTTP method `{name}`: did you mean `{standard}`?"
            ));
        }
    }
    Ok(())
}

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions, so
/// `GTE` is one edit from `GET`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in table.iter_mut().enumerate() {
        row[0] = i;
    }
    table[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[i - 1][j] + 1)
                .min(table[i][j - 1] + 1)
                .min(table[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[i - 2][j - 2] + 1);
            }
            table[i][j] = best;
        }
    }
    table[a.len()][b.len()]
}

fn validate_url(url: &mut Url, errors: &mut Errors) {
    match url {
        Url::Literal(lit) => match check_url(&lit.value()) {
            // The stub sees URLs in normalised form (lowercase host, no default port,
            // `/` for an empty path...), so the expectation is normalised the same way.
            Ok(normalized) => *lit = LitStr::new(&normalized, lit.span()),
            Err(message) => {
                errors.error(lit.span(), message);
                *url = Url::Any(lit.span());
            }
        },
        Url::Regex(pattern) => {
            if !regex_is_valid(pattern, errors) {
                *url = Url::Any(pattern.span());
            }
        }
        Url::Any(_) | Url::Expr(_) => {}
    }
}

/// Parses an expected URL, returning its normalised form.
pub(crate) fn check_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|error| format!("invalid URL `{text}`: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "unsupported URL scheme `{}`: StubTreq serves only `http` and `https` URLs",
            url.scheme()
        ));
    }
    if let Some(query) = url.query() {
        return Err(format!(
            "the expected URL must not contain a query (`?{query}`): the query is matched \
             by `params {{ ... }}`"
        ));
    }
    if url.fragment().is_some() {
        return Err("the expected URL must not contain a fragment (`#...`): \
                    fragments are never sent to the server"
            .to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the expected URL must not contain userinfo (`user:password@`): the \
                    client sends it as an `Authorization` header and removes it from the \
                    URL, so this URL could never match; match the credentials with \
                    `headers { \"Authorization\" => ... }`"
                .to_owned(),
        );
    }
    Ok(url.into())
}

fn regex_is_valid(pattern: &LitStr, errors: &mut Errors) -> bool {
    match regex::Regex::new(&pattern.value()) {
        Ok(_) => true,
        Err(error) => {
            errors.error(pattern.span(), format!("invalid regex: {error}"));
            false
        }
    }
}

fn check_status(status: &LitInt) -> syn::Result<()> {
    if !matches!(status.suffix(), "" | "u16") {
        return Err(syn::Error::new(
            status.span(),
            format!("a status code is a `u16`, not a `{}`", status.suffix()),
        ));
    }
    match status.base10_parse::<u16>() {
        Ok(code) if (100..=999).contains(&code) => Ok(()),
        _ => Err(syn::Error::new(
            status.span(),
            format!(
                "status code {} is out of range: it must be between 100 and 999",
                status.base10_digits()
            ),
        )),
    }
}

/// A light structural check of inline JSON before it reaches `serde_json::json!`, whose
/// own errors ("unexpected end of macro invocation") point at the whole macro call:
/// every object member needs a key, a `:` and a value, and no array element or member
/// may be empty. Everything else (the values themselves) is left to `json!`.
fn json_is_valid(json: &TokenStream, errors: &mut Errors) -> bool {
    let mut valid = true;
    for tree in json.clone() {
        if let TokenTree::Group(group) = tree {
            check_json_group(&group, errors, &mut valid);
        }
    }
    valid
}

fn check_json_group(group: &proc_macro2::Group, errors: &mut Errors, valid: &mut bool) {
    let object = match group.delimiter() {
        Delimiter::Brace => true,
        Delimiter::Bracket => false,
        _ => return,
    };
    let trees: Vec<TokenTree> = group.stream().into_iter().collect();
    let separators = separating_commas(&trees);
    let mut segments: Vec<&[TokenTree]> = Vec::with_capacity(separators.len() + 1);
    let mut start = 0;
    for &comma in &separators {
        segments.push(&trees[start..comma]);
        start = comma + 1;
    }
    segments.push(&trees[start..]);
    if segments.last().is_some_and(|last| last.is_empty()) {
        segments.pop(); // a trailing comma (or an empty document)
    }
    let commas: Vec<Span> = separators.iter().map(|&i| trees[i].span()).collect();
    for (index, segment) in segments.into_iter().enumerate() {
        let Some(first) = segment.first() else {
            // Segment `index` is ended by comma `index`: point at that comma.
            let span = commas.get(index).copied().unwrap_or_else(|| group.span());
            errors.error(span, "expected a value before this comma");
            *valid = false;
            continue;
        };
        let value = if object {
            let colon = segment.iter().enumerate().position(|(i, t)| {
                is_punct(t, ':')
                    && !matches!(t, TokenTree::Punct(p) if p.spacing() == Spacing::Joint)
                    && !(i > 0 && is_punct(&segment[i - 1], ':'))
            });
            match colon {
                None => {
                    errors.error(first.span(), "expected `:` and a value after this key");
                    *valid = false;
                    continue;
                }
                Some(0) => {
                    errors.error(first.span(), "expected a key before `:`");
                    *valid = false;
                    continue;
                }
                Some(i) if i + 1 == segment.len() => {
                    errors.error(segment[i].span(), "expected a value after `:`");
                    *valid = false;
                    continue;
                }
                Some(i) => &segment[i + 1..],
            }
        } else {
            segment
        };
        if let [TokenTree::Group(inner)] = value {
            check_json_group(inner, errors, valid);
        }
    }
}

/// The indices of the commas that separate the members or elements of a JSON group:
/// every comma outside generic arguments. Generic arguments open with a `<` right
/// after `::` or `:` (a turbofish such as `BTreeMap::<String, u32>::new()`) or at the
/// start of a member or element (a qualified path such as `<Vec<u8>>::new()`), and
/// close at the matching `>`; the `>` of a `->` closes nothing. A `<` anywhere else
/// is a comparison and opens nothing.
fn separating_commas(trees: &[TokenTree]) -> Vec<usize> {
    let mut commas = Vec::new();
    let mut depth = 0usize;
    let mut segment_start = true;
    for (i, tree) in trees.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| &trees[p]);
        if is_punct(tree, '<')
            && (depth > 0 || segment_start || previous.is_some_and(|p| is_punct(p, ':')))
        {
            depth += 1;
        } else if is_punct(tree, '>') && depth > 0 {
            let arrow = matches!(previous, Some(TokenTree::Punct(p))
                if p.as_char() == '-' && p.spacing() == Spacing::Joint);
            if !arrow {
                depth -= 1;
            }
        } else if is_punct(tree, ',') && depth == 0 {
            commas.push(i);
            segment_start = true;
            continue;
        }
        segment_start = false;
    }
    commas
}

fn is_punct(tree: &TokenTree, ch: char) -> bool {
    matches!(tree, TokenTree::Punct(p) if p.as_char() == ch)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MapKind {
    Params,
    Headers,
}

/// Checks literal keys and values; drops the entries it rejects.
fn validate_map(map: &mut Map, kind: MapKind, errors: &mut Errors) {
    // Literal key (normalised: header names are case-insensitive) -> first occurrence.
    let mut seen: HashMap<String, Span> = HashMap::new();
    map.entries.retain(|entry| {
        let Text::Literal(key) = &entry.key else {
            return values_are_valid(&entry.values, kind, errors);
        };
        let name = key.value();
        if kind == MapKind::Headers {
            // (http's own message, "invalid HTTP header name", adds nothing.)
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                errors.error(
                    key.span(),
                    format!(
                        "invalid header name `{name}`: a header name is a token of letters, \
                         digits and !#$%&'*+-.^_`|~ (no spaces, colons or control characters)"
                    ),
                );
                return false;
            }
        }
        let normalized = match kind {
            MapKind::Params => name.clone(),
            MapKind::Headers => name.to_ascii_lowercase(),
        };
        if seen.insert(normalized, key.span()).is_some() {
            errors.error(key.span(), duplicate_key_message(&name, kind));
            return false;
        }
        values_are_valid(&entry.values, kind, errors)
    });
}

fn duplicate_key_message(name: &str, kind: MapKind) -> String {
    let what = match kind {
        MapKind::Params => "parameter",
        MapKind::Headers => "header (names are case-insensitive)",
    };
    format!(
        "`{name}` specified more than once: this {what} is already in the map; \
         write repeated values as `\"{name}\" => [\"first\", \"second\"]`"
    )
}

fn values_are_valid(values: &[Text], kind: MapKind, errors: &mut Errors) -> bool {
    if kind != MapKind::Headers {
        return true;
    }
    let mut valid = true;
    for value in values {
        let Text::Literal(lit) = value else { continue };
        if http::HeaderValue::from_str(&lit.value()).is_err() {
            errors.error(
                lit.span(),
                "invalid header value: control characters (such as a newline) are not allowed",
            );
            valid = false;
        }
    }
    valid
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;
    use crate::ast::Exchange;
    use crate::parse::parse_sequence;

    fn check(tokens: TokenStream) -> (Sequence, Vec<String>) {
        let mut errors = Errors::default();
        let mut sequence = parse_sequence(tokens, &mut errors);
        validate(&mut sequence, &mut errors);
        (sequence, errors.messages())
    }

    fn exchange(sequence: &Sequence, index: usize) -> &Exchange {
        match &sequence.entries[index] {
            Entry::Exchange(exchange) => exchange,
            Entry::Broken => panic!("entry {index} did not parse"),
        }
    }

    #[test]
    fn accepts_standard_and_custom_methods() {
        for name in STANDARD_METHODS {
            assert_eq!(check_method(name), Ok(()));
        }
        for custom in [
            "PROPFIND", "MKCOL", "PURGE", "QUERY", "LINK", "REPORT", "M-SEARCH",
        ] {
            assert_eq!(check_method(custom), Ok(()), "{custom}");
        }
    }

    #[test]
    fn suggests_the_closest_standard_method() {
        assert_eq!(
            check_method("GTE").unwrap_err(),
            "unknown HTTP method `GTE`: did you mean `GET`?"
        );
        assert_eq!(
            check_method("POTS").unwrap_err(),
            "unknown HTTP method `POTS`: did you mean `POST`?"
        );
        assert_eq!(
            check_method("DELTE").unwrap_err(),
            "unknown HTTP method `DELTE`: did you mean `DELETE`?"
        );
        assert_eq!(
            check_method("OPTINOS").unwrap_err(),
            "unknown HTTP method `OPTINOS`: did you mean `OPTIONS`?"
        );
        assert_eq!(
            check_method("get").unwrap_err(),
            "HTTP methods are written in uppercase: `GET`"
        );
        assert_eq!(
            check_method("Fetch").unwrap_err(),
            "HTTP methods are written in uppercase, like `GET`; found `Fetch`"
        );
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("GTE", "GET"), 1);
        assert_eq!(edit_distance("GET", "GET"), 0);
        assert_eq!(edit_distance("PUT", "PATCH"), 3);
        assert_eq!(edit_distance("", "HEAD"), 4);
    }

    #[test]
    fn urls_are_parsed_and_normalised() {
        assert_eq!(
            check_url("http://AN.example:80"),
            Ok("http://an.example/".to_owned())
        );
        assert_eq!(check_url("https://a/b/../c"), Ok("https://a/c".to_owned()));
        assert_eq!(
            check_url("ftp://a/").unwrap_err(),
            "unsupported URL scheme `ftp`: StubTreq serves only `http` and `https` URLs"
        );
        assert_eq!(
            check_url("not a url").unwrap_err(),
            "invalid URL `not a url`: relative URL without a base"
        );
        assert!(check_url("http://a/?x=1")
            .unwrap_err()
            .contains("must not contain a query (`?x=1`)"));
        assert!(check_url("http://a/#top")
            .unwrap_err()
            .contains("must not contain a fragment"));
    }

    #[test]
    fn a_url_with_userinfo_is_refused_pointing_at_the_authorization_header() {
        for url in ["http://user:pw@a/x", "http://user@a/", "https://:pw@a/"] {
            let error = check_url(url).unwrap_err();
            assert!(
                error.starts_with("the expected URL must not contain userinfo"),
                "{url}: {error}"
            );
            assert!(
                error.ends_with(r#"`headers { "Authorization" => ... }`"#),
                "{error}"
            );
        }
    }

    #[test]
    fn a_valid_sequence_has_no_errors_and_is_normalised() {
        let (sequence, errors) = check(quote! {
            GET "http://AN.example" params { "a" => ["1", "2"], "A" => "3" }
                headers { "Accept" => "application/json" } body regex("^a+$")
                => 200 headers { "Set-Cookie" => ["a=1", "b=2"] };
            PROPFIND regex("^https://") => 999u16;
        });
        assert!(errors.is_empty(), "{errors:?}");
        let Url::Literal(url) = &exchange(&sequence, 0).request.url else {
            panic!()
        };
        assert_eq!(url.value(), "http://an.example/");
    }

    #[test]
    fn reports_every_error_and_neutralises_the_bad_parts() {
        let (sequence, errors) = check(quote! {
            GTE "ftp://a/" params { "a" => "1", "a" => "2" }
                headers { "Bad Name" => "x", "accept" => "a", "Accept" => "b", "X" => "a\nb" }
                body regex("(")
                => 1000 headers { "Content-Type" => "x" , "content-type" => "y" };
            GET regex("[") => 99;
        });
        assert_eq!(errors.len(), 11, "{errors:#?}");
        assert_eq!(errors[0], "unknown HTTP method `GTE`: did you mean `GET`?");
        assert!(errors[1].starts_with("unsupported URL scheme `ftp`"));
        assert!(errors[2].starts_with("`a` specified more than once: this parameter"));
        assert!(errors[3].starts_with("invalid header name `Bad Name`"));
        assert!(errors[4].starts_with("`Accept` specified more than once: this header"));
        assert!(errors[5].starts_with("invalid header value"));
        assert!(errors[6].starts_with("invalid regex: regex parse error"));
        assert_eq!(
            errors[7],
            "status code 1000 is out of range: it must be between 100 and 999"
        );
        assert!(errors[8].starts_with("`content-type` specified more than once"));
        assert!(errors[9].starts_with("invalid regex"));
        assert_eq!(
            errors[10],
            "status code 99 is out of range: it must be between 100 and 999"
        );
        let first = exchange(&sequence, 0);
        assert!(matches!(first.request.method, Method::Any(_)));
        assert!(matches!(first.request.url, Url::Any(_)));
        let Some(MapSpec::Map(params)) = &first.request.params else {
            panic!()
        };
        assert_eq!(params.entries.len(), 1);
        let Some(MapSpec::Map(headers)) = &first.request.headers else {
            panic!()
        };
        assert_eq!(headers.entries.len(), 1, "only `accept` survives");
        assert!(matches!(first.request.body, Some(Body::Any(_))));
        assert!(matches!(first.response.status, Status::Invalid(_)));
        assert_eq!(
            first.response.headers.as_ref().map(|m| m.entries.len()),
            Some(1)
        );
        assert!(matches!(exchange(&sequence, 1).request.url, Url::Any(_)));
    }

    #[test]
    fn inline_json_structure_is_checked() {
        let (sequence, errors) = check(quote! {
            POST "http://a/" json { "a": , "b" } => 200 json [1, , { "c": }];
            POST "http://a/" json { "ok": [1, { "x": std::f64::consts::PI }], (k): v, } => 200 json [];
        });
        assert_eq!(
            errors,
            [
                "expected a value after `:`",
                "expected `:` and a value after this key",
                "expected a value before this comma",
                "expected a value after `:`",
            ]
        );
        let first = exchange(&sequence, 0);
        assert!(matches!(first.request.body, Some(Body::Any(_))));
        assert!(first.response.body.is_none());
    }

    #[test]
    fn commas_inside_generic_arguments_do_not_split_json_values() {
        let (sequence, errors) = check(quote! {
            POST "http://a/" json {
                "m": std::collections::BTreeMap::<String, u32>::new(),
                "n": Vec::<(u8, Vec<u8>)>::new(),
                "q": <std::collections::HashMap<String, Vec<u8>>>::new(),
                "f": f::<fn(u8, u8) -> u8, 2>(1, 2),
                "lt": a < b,
                "gt": c > d,
            } => 200 json [HashMap::<String, HashMap<u8, u8>>::new(), <Vec<u8>>::new(), x < y, 1];
        });
        assert!(errors.is_empty(), "{errors:?}");
        assert!(matches!(
            exchange(&sequence, 0).request.body,
            Some(Body::Json(Json::Inline(_)))
        ));
        assert!(exchange(&sequence, 0).response.body.is_some());
    }

    #[test]
    fn json_errors_after_generic_arguments_are_still_found() {
        let (_, errors) = check(quote! {
            POST "http://a/" json { "m": BTreeMap::<String, u32>::new(), "b", } => 200
                json [Vec::<u8, >::new(), , 1];
        });
        assert_eq!(
            errors,
            [
                "expected `:` and a value after this key",
                "expected a value before this comma",
            ]
        );
    }

    #[test]
    fn status_suffix_must_be_u16() {
        let (_, errors) = check(quote! { GET "http://a/" => 200i32; });
        assert_eq!(errors, ["a status code is a `u16`, not a `i32`"]);
    }

    #[test]
    fn runtime_values_are_not_checked_at_compile_time() {
        let (_, errors) = check(quote! {
            (m) (u) params { (k) => (v), (k) => (v) } headers { (h) => "\n" } => (s);
        });
        assert_eq!(
            errors,
            ["invalid header value: control characters (such as a newline) are not allowed"]
        );
    }
}
