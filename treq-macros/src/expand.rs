//! Code generation: the AST becomes `treq_testing` builder calls.
//!
//! Generated code names only `::treq_testing::__private::...` paths (hidden
//! re-exports), so users need no imports besides the macro itself. Spans of user
//! tokens are kept on the code made from them, so a type error in a runtime expression
//! points at that expression.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, LitInt};

use crate::ast::{
    Body, Entry, Errors, Exchange, Json, Map, MapSpec, Method, Response, ResponseBody, Sequence,
    Status, Text, Url,
};
use crate::{parse, validate};

/// The whole macro on `proc_macro2` types: parse, validate, expand. On errors the
/// output is a block holding every `compile_error!` followed by a best-effort
/// expansion, so the surrounding test still type-checks and no spurious errors follow.
pub(crate) fn request_sequence(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    // Per entry, parse then validate, so errors are reported in source order.
    let entries = parse::split_entries(input)
        .into_iter()
        .map(|chunk| {
            let mut entry = parse::parse_chunk(chunk, &mut errors);
            validate::validate_entry(&mut entry, &mut errors);
            entry
        })
        .collect();
    let expansion = expand(&Sequence { entries });
    match errors.into_error() {
        None => expansion,
        Some(error) => {
            let compile_errors = error.into_compile_error();
            quote! {{ #compile_errors #expansion }}
        }
    }
}

fn private() -> TokenStream {
    quote!(::treq_testing::__private)
}

pub(crate) fn expand(sequence: &Sequence) -> TokenStream {
    let p = private();
    let entries = sequence.entries.iter().map(|entry| match entry {
        Entry::Exchange(exchange) => expand_exchange(exchange),
        Entry::Broken => quote! {
            (#p::Expect::new(#p::any(), #p::any()), #p::StubResponse::new(500u16))
        },
    });
    quote! {
        #p::RequestSequence::new(::std::vec![ #( #entries ),* ])
    }
}

fn expand_exchange(exchange: &Exchange) -> TokenStream {
    let p = private();
    let request = &exchange.request;
    let method = match &request.method {
        Method::Any(span) => any(*span),
        Method::Name(ident) => {
            syn::LitStr::new(&ident.to_string(), ident.span()).into_token_stream()
        }
        // Passed as is: `Expect::new` takes strings, `http::Method` and matchers.
        Method::Expr(expr) => expr.into_token_stream(),
    };
    let url = match &request.url {
        Url::Any(span) => any(*span),
        Url::Literal(lit) => lit.into_token_stream(),
        Url::Regex(pattern) => quote_spanned!(pattern.span()=> #p::regex(#pattern)),
        // Passed as is: strings, `url::Url` and matchers (a runtime `regex(..)`).
        Url::Expr(expr) => expr.into_token_stream(),
    };
    let params = request.params.as_ref().map(|params| match params {
        MapSpec::Any(span) => {
            let any = any(*span);
            quote!(.params(#any))
        }
        MapSpec::Map(map) => {
            let pairs = map_pairs(map);
            quote!(.params(#p::params_exact(#pairs)))
        }
    });
    let headers = request.headers.as_ref().map(|headers| match headers {
        MapSpec::Any(span) => {
            let any = any(*span);
            quote!(.headers(#any))
        }
        MapSpec::Map(map) => {
            let pairs = map_pairs(map);
            quote!(.headers(#p::HasHeaders::new(#pairs)))
        }
    });
    let body = request.body.as_ref().map(|body| {
        let matcher = match body {
            Body::Any(span) => any(*span),
            Body::Text(lit) => lit.into_token_stream(),
            Body::Bytes(lit) => lit.into_token_stream(),
            Body::Regex(pattern) => quote_spanned!(pattern.span()=> #p::regex(#pattern)),
            Body::Json(json) => {
                let value = json_value(json);
                quote!(#p::json_body(#value))
            }
            Body::Expr(expr) => expr.into_token_stream(),
        };
        quote!(.body(#matcher))
    });
    let response = expand_response(&exchange.response);
    quote! {
        (
            #p::Expect::new(#method, #url) #params #headers #body,
            #response
        )
    }
}

fn expand_response(response: &Response) -> TokenStream {
    let p = private();
    let status = match &response.status {
        Status::Literal(lit) => {
            LitInt::new(&format!("{}u16", lit.base10_digits()), lit.span()).into_token_stream()
        }
        Status::Expr(expr) => {
            quote_spanned!(expr.span()=> ::std::convert::Into::<u16>::into(#expr))
        }
        // Validation already reported the literal; any code keeps the expansion typed.
        Status::Invalid(span) => quote_spanned!(*span=> 500u16),
    };
    let headers = response
        .headers
        .iter()
        .flat_map(|map| &map.entries)
        .flat_map(|entry| {
            let name = header_text(&entry.key);
            entry.values.iter().map(move |value| {
                let value = header_text(value);
                quote!(.header(#name, #value))
            })
        });
    let body = response.body.as_ref().map(|body| match body {
        ResponseBody::Text(lit) => quote!(.body(#lit)),
        ResponseBody::Bytes(lit) => quote!(.body(#lit)),
        ResponseBody::Expr(expr) => quote!(.body(#expr)),
        ResponseBody::Json(json) => {
            let value = json_value(json);
            quote!(.json_value(#value))
        }
    });
    quote! {
        #p::StubResponse::new(#status) #( #headers )* #body
    }
}

/// `vec![(String, vec![String, ...]), ...]` for params and request headers.
fn map_pairs(map: &Map) -> TokenStream {
    let pairs = map.entries.iter().map(|entry| {
        let key = owned_text(&entry.key);
        let values = entry.values.iter().map(owned_text);
        quote!((#key, ::std::vec![ #( #values ),* ]))
    });
    quote!(::std::vec![ #( #pairs ),* ])
}

fn owned_text(text: &Text) -> TokenStream {
    match text {
        // Trait-qualified so it resolves even under `#![no_implicit_prelude]`.
        Text::Literal(lit) => quote_spanned!(lit.span()=>
            <::std::string::String as ::std::convert::From<&str>>::from(#lit)
        ),
        Text::Expr(expr) => to_string(expr),
    }
}

/// A response header name or value: a literal as is, an expression as a `String`.
fn header_text(text: &Text) -> TokenStream {
    match text {
        Text::Literal(lit) => lit.into_token_stream(),
        Text::Expr(expr) => to_string(expr),
    }
}

fn json_value(json: &Json) -> TokenStream {
    let p = private();
    match json {
        // Spanned at the document, so json!'s own syntax errors point at it.
        Json::Inline(tokens) => {
            let span = tokens
                .clone()
                .into_iter()
                .next()
                .map_or_else(Span::call_site, |t| t.span());
            quote_spanned!(span=> #p::serde_json::json!(#tokens))
        }
        Json::Expr(expr) => quote_spanned!(expr.span()=> #p::serde_json::json!(#expr)),
    }
}

fn to_string(expr: &Expr) -> TokenStream {
    quote_spanned!(expr.span()=> ::std::string::ToString::to_string(&(#expr)))
}

fn any(span: Span) -> TokenStream {
    let p = private();
    quote_spanned!(span=> #p::any())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(tokens: TokenStream) -> String {
        request_sequence(tokens).to_string()
    }

    fn normalize(tokens: TokenStream) -> String {
        tokens.to_string()
    }

    #[test]
    fn expands_the_design_example_to_the_agreed_builder_calls() {
        let actual = expand_str(quote! {
            GET "http://an.example/foo" params { "a" => "b" } headers { "Accept" => "application/json" }
                => 200 headers { "Content-Type" => "application/json" } body r#"{"status": "ok"}"#;
        });
        let expected = normalize(quote! {
            ::treq_testing::__private::RequestSequence::new(::std::vec![(
                ::treq_testing::__private::Expect::new("GET", "http://an.example/foo")
                    .params(::treq_testing::__private::params_exact(::std::vec![(
                        <::std::string::String as ::std::convert::From<&str>>::from("a"),
                        ::std::vec![<::std::string::String as ::std::convert::From<&str>>::from("b")]
                    )]))
                    .headers(::treq_testing::__private::HasHeaders::new(::std::vec![(
                        <::std::string::String as ::std::convert::From<&str>>::from("Accept"),
                        ::std::vec![<::std::string::String as ::std::convert::From<&str>>::from("application/json")]
                    )])),
                ::treq_testing::__private::StubResponse::new(200u16)
                    .header("Content-Type", "application/json")
                    .body(r#"{"status": "ok"}"#)
            )])
        });
        assert_eq!(actual, expected);
    }

    #[test]
    fn wildcards_json_and_expressions() {
        let actual = expand_str(quote! {
            _ (base) params _ json { "a": 1 } => (code) json (reply);
        });
        let expected = normalize(quote! {
            ::treq_testing::__private::RequestSequence::new(::std::vec![(
                ::treq_testing::__private::Expect::new(
                    ::treq_testing::__private::any(),
                    base
                )
                .params(::treq_testing::__private::any())
                .body(::treq_testing::__private::json_body(
                    ::treq_testing::__private::serde_json::json!({ "a": 1 })
                )),
                ::treq_testing::__private::StubResponse::new(::std::convert::Into::<u16>::into(code))
                    .json_value(::treq_testing::__private::serde_json::json!(reply))
            )])
        });
        assert_eq!(actual, expected);
    }

    #[test]
    fn errors_come_with_a_best_effort_expansion() {
        let actual = expand_str(quote! {
            GTE "http://a/" => 200;
            GET "http://a/" 200;
        });
        assert!(
            actual.starts_with("{ :: core :: compile_error ! {"),
            "{actual}"
        );
        assert!(actual.contains("did you mean `GET`?"));
        let typo = actual.find("did you mean `GET`?").unwrap();
        let arrow = actual.find("expected `=>` between the request and the response status");
        assert!(
            arrow.is_some_and(|arrow| typo < arrow),
            "errors in source order: {actual}"
        );
        // The bad method became `any()`, the broken entry a placeholder; both keep the type.
        assert!(actual.contains(
            &quote!(::treq_testing::__private::Expect::new(
                ::treq_testing::__private::any(),
                "http://a/"
            ))
            .to_string()
        ));
        assert!(actual
            .contains(&quote!(::treq_testing::__private::StubResponse::new(500u16)).to_string()));
    }

    #[test]
    fn empty_sequence() {
        assert_eq!(
            expand_str(quote! {}),
            normalize(quote!(::treq_testing::__private::RequestSequence::new(
                ::std::vec![]
            )))
        );
    }
}
