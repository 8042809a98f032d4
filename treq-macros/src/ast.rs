//! The typed form of a `request_sequence!` invocation.
//!
//! `parse` builds it, `validate` checks it (and neutralises the parts it rejects, so
//! `expand` can still emit code that type-checks), `expand` turns it into builder calls.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Ident, LitByteStr, LitInt, LitStr};

/// All entries of one invocation, in order.
pub(crate) struct Sequence {
    pub(crate) entries: Vec<Entry>,
}

/// One `request => response;` entry.
pub(crate) enum Entry {
    /// Parsed successfully (possibly with parts later neutralised by validation).
    Exchange(Box<Exchange>),
    /// Did not parse; its error is already recorded. Expands to a match-anything
    /// placeholder so the sequence keeps its length and type.
    Broken,
}

/// An expected request and the response that answers it.
pub(crate) struct Exchange {
    pub(crate) request: Request,
    pub(crate) response: Response,
}

/// What the request must look like. `None` = the part was omitted (matches anything).
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) params: Option<MapSpec>,
    pub(crate) headers: Option<MapSpec>,
    pub(crate) body: Option<Body>,
}

/// The expected method.
pub(crate) enum Method {
    /// `_`
    Any(Span),
    /// `GET`, `POST`, a custom uppercase token...
    Name(Ident),
    /// `(expr)`: anything `Expect::new` accepts (a string, `http::Method`, a matcher).
    Expr(Expr),
}

/// The expected URL (without query: the query is matched by `params`).
pub(crate) enum Url {
    Any(Span),
    Literal(LitStr),
    /// `regex("...")`
    Regex(LitStr),
    Expr(Expr),
}

/// `params` / `headers` of a request: `_` or a map.
pub(crate) enum MapSpec {
    Any(Span),
    Map(Map),
}

/// `{ "k" => "v", "k2" => ["a", "b"] }`
pub(crate) struct Map {
    pub(crate) entries: Vec<MapEntry>,
}

pub(crate) struct MapEntry {
    pub(crate) key: Text,
    pub(crate) values: Vec<Text>,
}

/// A string given as a literal (checked at compile time) or a runtime expression.
pub(crate) enum Text {
    Literal(LitStr),
    Expr(Expr),
}

/// The expected request body.
pub(crate) enum Body {
    Any(Span),
    Text(LitStr),
    Bytes(LitByteStr),
    Regex(LitStr),
    Json(Json),
    /// `(expr)`: handed to `Expect::body` as is (a string, bytes or a matcher).
    Expr(Expr),
}

/// A JSON document: `json { ... }` / `json [ ... ]` (passed to `serde_json::json!`) or
/// `json(expr)` (anything `Serialize`).
pub(crate) enum Json {
    Inline(TokenStream),
    Expr(Expr),
}

/// The response that answers a matching request.
pub(crate) struct Response {
    pub(crate) status: Status,
    pub(crate) headers: Option<Map>,
    pub(crate) body: Option<ResponseBody>,
}

pub(crate) enum Status {
    Literal(LitInt),
    Expr(Expr),
    /// Rejected by validation; expands to a placeholder code.
    Invalid(Span),
}

pub(crate) enum ResponseBody {
    Text(LitStr),
    Bytes(LitByteStr),
    Json(Json),
    Expr(Expr),
}

/// Collects every error of one invocation, so they are all reported at once.
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    pub(crate) fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn into_error(self) -> Option<syn::Error> {
        self.combined
    }

    #[cfg(test)]
    pub(crate) fn messages(&self) -> Vec<String> {
        self.combined
            .iter()
            .flat_map(|e| e.clone().into_iter().map(|e| e.to_string()))
            .collect()
    }
}
