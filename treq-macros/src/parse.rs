//! Parsing `request_sequence!` input into the typed AST.
//!
//! The input is first split into entries at top-level `;`, and each entry is parsed on
//! its own: a syntax error in one entry is reported and the other entries are still
//! parsed (and validated), so one compile shows every mistake.
//!
//! ```text
//! entry    := method url request_part* "=>" status response_part* ";"
//! method   := "_" | IDENT | "(" expr ")"
//! url      := "_" | STRING | "regex" "(" STRING ")" | "(" expr ")"
//! request_part  := "params" map_or_any | "headers" map_or_any
//!                | "body" body | "json" json
//! response_part := "headers" map | "body" (STRING | BYTE_STRING | "(" expr ")") | "json" json
//! map_or_any := "_" | map
//! map      := "{" (text "=>" (text | "[" text,* "]")),* "}"
//! text     := STRING | "(" expr ")"
//! body     := "_" | STRING | BYTE_STRING | "regex" "(" STRING ")" | "(" expr ")"
//! json     := "{" ... "}" | "[" ... "]" | "(" expr ")"
//! status   := INTEGER | "(" expr ")"
//! ```

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{token, Expr, Ident, LitByteStr, LitInt, LitStr, Token};

#[cfg(test)]
use crate::ast::Sequence;
use crate::ast::{
    Body, Entry, Errors, Exchange, Json, Map, MapEntry, MapSpec, Method, Request, Response,
    ResponseBody, Status, Text, Url,
};

mod kw {
    syn::custom_keyword!(params);
    syn::custom_keyword!(headers);
    syn::custom_keyword!(body);
    syn::custom_keyword!(json);
    syn::custom_keyword!(regex);
}

/// One entry's tokens (up to and including its `;`) and the span of its last token,
/// where a missing `;` is reported.
pub(crate) struct Chunk {
    tokens: TokenStream,
    last_span: Span,
}

/// Parses a whole invocation (the unit tests' entry point; the macro itself
/// interleaves parsing and validation per entry so errors come out in source order).
#[cfg(test)]
pub(crate) fn parse_sequence(tokens: TokenStream, errors: &mut Errors) -> Sequence {
    let entries = split_entries(tokens)
        .into_iter()
        .map(|chunk| parse_chunk(chunk, errors))
        .collect();
    Sequence { entries }
}

/// Parses one entry. Never fails: errors go to `errors`, and an entry that does not
/// parse becomes [`Entry::Broken`].
pub(crate) fn parse_chunk(chunk: Chunk, errors: &mut Errors) -> Entry {
    let Chunk { tokens, last_span } = chunk;
    let parser = |input: ParseStream<'_>| parse_entry(input, last_span, errors);
    match parser.parse2(tokens) {
        Ok(exchange) => Entry::Exchange(Box::new(exchange)),
        Err(error) => {
            errors.push(error);
            Entry::Broken
        }
    }
}

/// Splits at each top-level `;` (kept at the end of its chunk). A `;` inside a group
/// (a JSON document, an expression) is inside one token tree, so it never splits.
pub(crate) fn split_entries(tokens: TokenStream) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    for tree in tokens {
        let end_of_entry = matches!(&tree, TokenTree::Punct(p) if p.as_char() == ';');
        current.push(tree);
        if end_of_entry {
            chunks.push(finish_chunk(&mut current));
        }
    }
    if !current.is_empty() {
        chunks.push(finish_chunk(&mut current));
    }
    chunks
}

fn finish_chunk(current: &mut Vec<TokenTree>) -> Chunk {
    let last_span = match current.last() {
        Some(TokenTree::Group(group)) => group.span_close(),
        Some(tree) => tree.span(),
        None => Span::call_site(),
    };
    Chunk {
        tokens: current.drain(..).collect(),
        last_span,
    }
}

/// One entry, including its `;`. Problems that do not stop parsing (a part given twice,
/// `body` and `json` together) go to `soft` and parsing continues.
fn parse_entry(
    input: ParseStream<'_>,
    last_span: Span,
    soft: &mut Errors,
) -> syn::Result<Exchange> {
    let method = parse_method(input)?;
    let url = parse_url(input)?;
    let request = parse_request_parts(input, method, url, last_span, soft)?;
    let status = parse_status(input)?;
    let response = parse_response_parts(input, status, last_span, soft)?;
    Ok(Exchange { request, response })
}

fn parse_method(input: ParseStream<'_>) -> syn::Result<Method> {
    if input.peek(Token![_]) {
        return Ok(Method::Any(input.parse::<Token![_]>()?.span));
    }
    if input.peek(token::Paren) {
        return Ok(Method::Expr(parse_paren_expr(input)?));
    }
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "write the HTTP method without quotes: `{}`",
                lit.value().to_ascii_uppercase()
            ),
        ));
    }
    if input.peek(Ident) {
        return Ok(Method::Name(input.parse()?));
    }
    Err(input.error(
        "expected an HTTP method such as `GET`, `_` (any method) or a parenthesized expression",
    ))
}

fn parse_url(input: ParseStream<'_>) -> syn::Result<Url> {
    if input.peek(Token![_]) {
        Ok(Url::Any(input.parse::<Token![_]>()?.span))
    } else if input.peek(LitStr) {
        Ok(Url::Literal(input.parse()?))
    } else if input.peek(kw::regex) && input.peek2(token::Paren) {
        Ok(Url::Regex(parse_regex(input)?))
    } else if input.peek(token::Paren) {
        Ok(Url::Expr(parse_paren_expr(input)?))
    } else {
        Err(input.error(
            "expected the URL: a string literal, `regex(\"...\")`, `_` (any URL) \
             or a parenthesized expression",
        ))
    }
}

fn parse_request_parts(
    input: ParseStream<'_>,
    method: Method,
    url: Url,
    last_span: Span,
    soft: &mut Errors,
) -> syn::Result<Request> {
    let mut request = Request {
        method,
        url,
        params: None,
        headers: None,
        body: None,
    };
    let mut body_keyword: Option<&'static str> = None;
    loop {
        if input.peek(Token![=>]) {
            input.parse::<Token![=>]>()?;
            return Ok(request);
        }
        if input.peek(kw::params) {
            let keyword: kw::params = input.parse()?;
            let params = parse_map_or_any(input)?;
            set_once(&mut request.params, params, "params", keyword.span, soft);
        } else if input.peek(kw::headers) {
            let keyword: kw::headers = input.parse()?;
            let headers = parse_map_or_any(input)?;
            set_once(&mut request.headers, headers, "headers", keyword.span, soft);
        } else if input.peek(kw::body) || input.peek(kw::json) {
            let (name, span, body) = if input.peek(kw::body) {
                let keyword: kw::body = input.parse()?;
                ("body", keyword.span, parse_request_body(input)?)
            } else {
                let keyword: kw::json = input.parse()?;
                ("json", keyword.span, Body::Json(parse_json(input)?))
            };
            check_one_body(&mut body_keyword, name, span, soft);
            if request.body.is_none() {
                request.body = Some(body);
            }
        } else {
            return Err(missing_arrow(input, last_span));
        }
    }
}

/// The error for a token that is neither a request part nor `=>`.
fn missing_arrow(input: ParseStream<'_>, last_span: Span) -> syn::Error {
    if input.is_empty() {
        syn::Error::new(
            last_span,
            "expected `=>` and the response after the request",
        )
    } else if input.peek(LitInt) || input.peek(token::Paren) {
        input.error("expected `=>` between the request and the response status")
    } else if input.peek(Token![;]) {
        input.error("expected `=>` and the response before `;`")
    } else {
        input.error("expected `params`, `headers`, `body`, `json`, or `=>` and the response")
    }
}

/// Records a part; a second occurrence is an error at its keyword (the first one wins).
fn set_once<T>(slot: &mut Option<T>, value: T, name: &str, span: Span, soft: &mut Errors) {
    if slot.is_some() {
        soft.error(span, format!("`{name}` specified more than once"));
    } else {
        *slot = Some(value);
    }
}

fn check_one_body(
    seen: &mut Option<&'static str>,
    name: &'static str,
    span: Span,
    soft: &mut Errors,
) {
    match *seen {
        Some(previous) if previous == name => {
            soft.error(span, format!("`{name}` specified more than once"));
        }
        Some(previous) => soft.error(
            span,
            format!("`{name}` conflicts with `{previous}`: there is only one body"),
        ),
        None => *seen = Some(name),
    }
}

fn parse_map_or_any(input: ParseStream<'_>) -> syn::Result<MapSpec> {
    if input.peek(Token![_]) {
        Ok(MapSpec::Any(input.parse::<Token![_]>()?.span))
    } else if input.peek(token::Brace) {
        Ok(MapSpec::Map(parse_map(input)?))
    } else {
        Err(input.error("expected `{ \"name\" => \"value\", ... }` or `_` (anything)"))
    }
}

fn parse_map(input: ParseStream<'_>) -> syn::Result<Map> {
    let content;
    syn::braced!(content in input);
    let mut entries = Vec::new();
    while !content.is_empty() {
        let key = parse_text(
            &content,
            "expected a key: a string literal or a parenthesized expression",
        )?;
        if !content.peek(Token![=>]) {
            return Err(content.error("expected `=>` after the key"));
        }
        content.parse::<Token![=>]>()?;
        let values = parse_values(&content)?;
        entries.push(MapEntry { key, values });
        if content.is_empty() {
            break;
        }
        if !content.peek(Token![,]) {
            return Err(content.error("expected `,` between entries"));
        }
        content.parse::<Token![,]>()?;
    }
    Ok(Map { entries })
}

fn parse_values(input: ParseStream<'_>) -> syn::Result<Vec<Text>> {
    const EXPECTED: &str =
        "expected a value: a string literal, a parenthesized expression, or `[...]` of them";
    if !input.peek(token::Bracket) {
        return Ok(vec![parse_text(input, EXPECTED)?]);
    }
    let content;
    let bracket = syn::bracketed!(content in input);
    let mut values = Vec::new();
    while !content.is_empty() {
        values.push(parse_text(&content, EXPECTED)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    if values.is_empty() {
        return Err(syn::Error::new(
            bracket.span.join(),
            "expected at least one value",
        ));
    }
    Ok(values)
}

fn parse_text(input: ParseStream<'_>, expected: &str) -> syn::Result<Text> {
    if input.peek(LitStr) {
        Ok(Text::Literal(input.parse()?))
    } else if input.peek(token::Paren) {
        Ok(Text::Expr(parse_paren_expr(input)?))
    } else {
        Err(input.error(expected))
    }
}

fn parse_request_body(input: ParseStream<'_>) -> syn::Result<Body> {
    if input.peek(Token![_]) {
        Ok(Body::Any(input.parse::<Token![_]>()?.span))
    } else if input.peek(LitStr) {
        Ok(Body::Text(input.parse()?))
    } else if input.peek(LitByteStr) {
        Ok(Body::Bytes(input.parse()?))
    } else if input.peek(kw::regex) && input.peek2(token::Paren) {
        Ok(Body::Regex(parse_regex(input)?))
    } else if input.peek(token::Paren) {
        Ok(Body::Expr(parse_paren_expr(input)?))
    } else {
        Err(input.error(
            "expected the body: a string or byte string literal, `regex(\"...\")`, \
             `_` (any body) or a parenthesized expression",
        ))
    }
}

fn parse_json(input: ParseStream<'_>) -> syn::Result<Json> {
    if input.peek(token::Brace) || input.peek(token::Bracket) {
        let tree: TokenTree = input.parse()?;
        Ok(Json::Inline(tree.into()))
    } else if input.peek(token::Paren) {
        Ok(Json::Expr(parse_paren_expr(input)?))
    } else {
        Err(input.error("expected a JSON object `{...}`, a JSON array `[...]` or `(expr)`"))
    }
}

fn parse_status(input: ParseStream<'_>) -> syn::Result<Status> {
    if input.peek(LitInt) {
        Ok(Status::Literal(input.parse()?))
    } else if input.peek(token::Paren) {
        Ok(Status::Expr(parse_paren_expr(input)?))
    } else {
        Err(input
            .error("expected the response status code, like `200`, or a parenthesized expression"))
    }
}

fn parse_response_parts(
    input: ParseStream<'_>,
    status: Status,
    last_span: Span,
    soft: &mut Errors,
) -> syn::Result<Response> {
    let mut response = Response {
        status,
        headers: None,
        body: None,
    };
    let mut body_keyword: Option<&'static str> = None;
    loop {
        if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            return Ok(response);
        }
        if input.peek(kw::headers) {
            let keyword: kw::headers = input.parse()?;
            if input.peek(Token![_]) {
                return Err(
                    input.error("a response has concrete headers: `_` only matches requests")
                );
            }
            let headers = parse_map(input)?;
            set_once(
                &mut response.headers,
                headers,
                "headers",
                keyword.span,
                soft,
            );
        } else if input.peek(kw::body) || input.peek(kw::json) {
            let (name, span, body) = if input.peek(kw::body) {
                let keyword: kw::body = input.parse()?;
                ("body", keyword.span, parse_response_body(input)?)
            } else {
                let keyword: kw::json = input.parse()?;
                ("json", keyword.span, ResponseBody::Json(parse_json(input)?))
            };
            check_one_body(&mut body_keyword, name, span, soft);
            if response.body.is_none() {
                response.body = Some(body);
            }
        } else if input.is_empty() {
            return Err(syn::Error::new(
                last_span,
                "expected `;` after the response",
            ));
        } else if input.peek(Ident) && !input.peek(kw::params) {
            // Most likely the next entry's method: the `;` was forgotten.
            return Err(
                input.error("expected `;` after the response (or `headers`, `body`, `json`)")
            );
        } else {
            return Err(input.error("expected `headers`, `body`, `json` or `;` after the status"));
        }
    }
}

fn parse_response_body(input: ParseStream<'_>) -> syn::Result<ResponseBody> {
    if input.peek(LitStr) {
        Ok(ResponseBody::Text(input.parse()?))
    } else if input.peek(LitByteStr) {
        Ok(ResponseBody::Bytes(input.parse()?))
    } else if input.peek(token::Paren) {
        Ok(ResponseBody::Expr(parse_paren_expr(input)?))
    } else if input.peek(Token![_]) {
        Err(input.error("a response has a concrete body: `_` only matches requests"))
    } else {
        Err(input.error(
            "expected the response body: a string or byte string literal or a parenthesized expression",
        ))
    }
}

/// `regex("...")`
fn parse_regex(input: ParseStream<'_>) -> syn::Result<LitStr> {
    input.parse::<kw::regex>()?;
    let content;
    syn::parenthesized!(content in input);
    if !content.peek(LitStr) {
        return Err(content.error("expected a string literal: `regex(\"^/api/.*\")`"));
    }
    let pattern: LitStr = content.parse()?;
    if !content.is_empty() {
        return Err(content.error("expected `)` after the pattern"));
    }
    Ok(pattern)
}

/// `( expr )`: a runtime value where a literal could be.
fn parse_paren_expr(input: ParseStream<'_>) -> syn::Result<Expr> {
    let content;
    let paren = syn::parenthesized!(content in input);
    if content.is_empty() {
        return Err(syn::Error::new(
            paren.span.join(),
            "expected an expression inside `( )`",
        ));
    }
    let expr: Expr = content.parse()?;
    if !content.is_empty() {
        return Err(content.error("expected `)` after the expression"));
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use proc_macro2::Delimiter;
    use quote::quote;

    use super::*;

    /// The delimiter of an inline JSON document.
    fn inline_delimiter(json: &Json) -> Option<Delimiter> {
        match json {
            Json::Inline(tokens) => match tokens.clone().into_iter().next() {
                Some(TokenTree::Group(group)) => Some(group.delimiter()),
                _ => None,
            },
            Json::Expr(_) => None,
        }
    }

    fn parse(tokens: TokenStream) -> (Sequence, Vec<String>) {
        let mut errors = Errors::default();
        let sequence = parse_sequence(tokens, &mut errors);
        (sequence, errors.messages())
    }

    fn exchange(entry: &Entry) -> &Exchange {
        match entry {
            Entry::Exchange(exchange) => exchange,
            Entry::Broken => panic!("entry did not parse"),
        }
    }

    fn literal(text: &Text) -> String {
        match text {
            Text::Literal(lit) => lit.value(),
            Text::Expr(_) => panic!("expected a literal"),
        }
    }

    #[test]
    fn full_entry_reads_like_an_http_exchange() {
        let (sequence, errors) = parse(quote! {
            GET "http://an.example/foo" params { "a" => "b" } headers { "Accept" => "application/json" }
                => 200 headers { "Content-Type" => "application/json" } body r#"{"status": "ok"}"#;
        });
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(sequence.entries.len(), 1);
        let exchange = exchange(&sequence.entries[0]);
        let request = &exchange.request;
        assert!(matches!(&request.method, Method::Name(ident) if ident == "GET"));
        assert!(
            matches!(&request.url, Url::Literal(lit) if lit.value() == "http://an.example/foo")
        );
        let Some(MapSpec::Map(params)) = &request.params else {
            panic!("params not parsed")
        };
        assert_eq!(params.entries.len(), 1);
        assert_eq!(literal(&params.entries[0].key), "a");
        assert_eq!(literal(&params.entries[0].values[0]), "b");
        assert!(matches!(&request.headers, Some(MapSpec::Map(map)) if map.entries.len() == 1));
        assert!(request.body.is_none());
        let response = &exchange.response;
        assert!(matches!(&response.status, Status::Literal(lit) if lit.base10_digits() == "200"));
        assert!(matches!(&response.headers, Some(map) if map.entries.len() == 1));
        assert!(
            matches!(&response.body, Some(ResponseBody::Text(lit)) if lit.value() == r#"{"status": "ok"}"#)
        );
    }

    #[test]
    fn omitted_parts_stay_none_and_wildcards_are_any() {
        let (sequence, errors) = parse(quote! {
            POST "http://a/" => 204;
            _ _ params _ headers _ body _ => 200;
        });
        assert!(errors.is_empty(), "{errors:?}");
        let first = &exchange(&sequence.entries[0]).request;
        assert!(first.params.is_none() && first.headers.is_none() && first.body.is_none());
        let second = &exchange(&sequence.entries[1]).request;
        assert!(matches!(second.method, Method::Any(_)));
        assert!(matches!(second.url, Url::Any(_)));
        assert!(matches!(second.params, Some(MapSpec::Any(_))));
        assert!(matches!(second.headers, Some(MapSpec::Any(_))));
        assert!(matches!(second.body, Some(Body::Any(_))));
    }

    #[test]
    fn empty_params_map_is_exactly_nothing() {
        let (sequence, errors) = parse(quote! { GET "http://a/" params {} => 200; });
        assert!(errors.is_empty());
        let request = &exchange(&sequence.entries[0]).request;
        assert!(matches!(&request.params, Some(MapSpec::Map(map)) if map.entries.is_empty()));
    }

    #[test]
    fn repeated_values_and_runtime_expressions() {
        let (sequence, errors) = parse(quote! {
            (method) (format!("{base}/x")) params { "a" => ["1", "2"], (key) => (value), }
                body (payload) => (status) body (bytes);
        });
        assert!(errors.is_empty(), "{errors:?}");
        let exchange = exchange(&sequence.entries[0]);
        assert!(matches!(exchange.request.method, Method::Expr(_)));
        assert!(matches!(exchange.request.url, Url::Expr(Expr::Macro(_))));
        let Some(MapSpec::Map(params)) = &exchange.request.params else {
            panic!()
        };
        assert_eq!(params.entries[0].values.len(), 2);
        assert!(matches!(params.entries[1].key, Text::Expr(_)));
        assert!(matches!(params.entries[1].values[..], [Text::Expr(_)]));
        assert!(matches!(exchange.request.body, Some(Body::Expr(_))));
        assert!(matches!(exchange.response.status, Status::Expr(_)));
        assert!(matches!(
            exchange.response.body,
            Some(ResponseBody::Expr(_))
        ));
    }

    #[test]
    fn regex_json_and_byte_bodies() {
        let (sequence, errors) = parse(quote! {
            PUT regex("^http://a/.*") body regex("^x+$") => 200 json { "ok": true };
            POST "http://a/" json [1, 2] => 201 body b"raw";
            POST "http://a/" json (value) => 200 json (reply);
            POST "http://a/" body b"\x00\x01" => 200;
        });
        assert!(errors.is_empty(), "{errors:?}");
        let first = exchange(&sequence.entries[0]);
        assert!(matches!(&first.request.url, Url::Regex(lit) if lit.value() == "^http://a/.*"));
        assert!(matches!(&first.request.body, Some(Body::Regex(lit)) if lit.value() == "^x+$"));
        let Some(ResponseBody::Json(json)) = &first.response.body else {
            panic!()
        };
        assert_eq!(inline_delimiter(json), Some(Delimiter::Brace));
        let second = exchange(&sequence.entries[1]);
        let Some(Body::Json(json)) = &second.request.body else {
            panic!()
        };
        assert_eq!(inline_delimiter(json), Some(Delimiter::Bracket));
        assert!(matches!(second.response.body, Some(ResponseBody::Bytes(_))));
        let third = exchange(&sequence.entries[2]);
        assert!(matches!(
            third.request.body,
            Some(Body::Json(Json::Expr(_)))
        ));
        assert!(matches!(
            third.response.body,
            Some(ResponseBody::Json(Json::Expr(_)))
        ));
        assert!(matches!(
            exchange(&sequence.entries[3]).request.body,
            Some(Body::Bytes(_))
        ));
    }

    #[test]
    fn empty_invocation_is_an_empty_sequence() {
        let (sequence, errors) = parse(quote! {});
        assert!(errors.is_empty());
        assert!(sequence.entries.is_empty());
    }

    #[test]
    fn missing_arrow_is_reported_at_the_status() {
        let (sequence, errors) = parse(quote! { GET "http://a/" 200; });
        assert_eq!(
            errors,
            ["expected `=>` between the request and the response status"]
        );
        assert!(matches!(sequence.entries[..], [Entry::Broken]));
    }

    #[test]
    fn missing_arrow_in_a_map() {
        let (_, errors) = parse(quote! { GET "http://a/" params { "a" "b" } => 200; });
        assert_eq!(errors, ["expected `=>` after the key"]);
    }

    #[test]
    fn a_broken_entry_does_not_hide_errors_in_later_entries() {
        let (sequence, errors) = parse(quote! {
            GET "http://a/" => ;
            GET "http://a/" => 200;
            "get" "http://a/" => 200;
        });
        assert_eq!(
            errors,
            [
                "expected the response status code, like `200`, or a parenthesized expression",
                "write the HTTP method without quotes: `GET`",
            ]
        );
        assert!(matches!(
            sequence.entries[..],
            [Entry::Broken, Entry::Exchange(_), Entry::Broken]
        ));
    }

    #[test]
    fn missing_semicolon() {
        let (_, errors) = parse(quote! { GET "http://a/" => 200 });
        assert_eq!(errors, ["expected `;` after the response"]);
        let (_, errors) = parse(quote! { GET "http://a/" => 200 GET "http://b/" => 200; });
        assert_eq!(
            errors,
            ["expected `;` after the response (or `headers`, `body`, `json`)"]
        );
    }

    #[test]
    fn parts_given_twice_and_conflicting_bodies_are_soft_errors() {
        let (sequence, errors) = parse(quote! {
            GET "http://a/" params {} params { "a" => "b" } body "x" json {} => 200 body "a" body "b";
        });
        assert_eq!(
            errors,
            [
                "`params` specified more than once",
                "`json` conflicts with `body`: there is only one body",
                "`body` specified more than once",
            ]
        );
        // The entry still parsed, keeping the first occurrence of each part.
        let exchange = exchange(&sequence.entries[0]);
        assert!(
            matches!(&exchange.request.params, Some(MapSpec::Map(map)) if map.entries.is_empty())
        );
        assert!(matches!(exchange.request.body, Some(Body::Text(_))));
    }

    #[test]
    fn wildcards_are_rejected_in_the_response() {
        let (_, errors) = parse(quote! { GET "http://a/" => 200 headers _; });
        assert_eq!(
            errors,
            ["a response has concrete headers: `_` only matches requests"]
        );
        let (_, errors) = parse(quote! { GET "http://a/" => 200 body _; });
        assert_eq!(
            errors,
            ["a response has a concrete body: `_` only matches requests"]
        );
    }

    #[test]
    fn empty_value_list_and_empty_parens() {
        let (_, errors) = parse(quote! { GET "http://a/" params { "a" => [] } => 200; });
        assert_eq!(errors, ["expected at least one value"]);
        let (_, errors) = parse(quote! { GET () => 200; });
        assert_eq!(errors, ["expected an expression inside `( )`"]);
    }

    #[test]
    fn unknown_request_part() {
        let (_, errors) = parse(quote! { GET "http://a/" query { "a" => "b" } => 200; });
        assert_eq!(
            errors,
            ["expected `params`, `headers`, `body`, `json`, or `=>` and the response"]
        );
    }
}
