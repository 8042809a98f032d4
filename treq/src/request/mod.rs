//! Request assembly: the options a request collects (`PendingRequest`), the
//! shapes each option accepts (the conversion traits, sealed), and the
//! `http::Request` the stack receives (`assemble.rs`).

mod assemble;
mod cookies;
pub(crate) mod headers;
pub(crate) mod params;
mod target;
pub(crate) mod url;

use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::Method;

use crate::auth::Auth;
use crate::error;
use crate::multipart::Part;
use crate::Body;

pub(crate) use self::assemble::{Assembled, Defaults, DEFAULT_MAX_BODY_SIZE};
pub use self::cookies::IntoCookies;
pub(crate) use self::cookies::RequestCookies;
pub use self::headers::{HeaderKey, HeaderValueLike, HeaderValues, IntoHeaders};
pub use self::params::{IntoParams, ParamValue, ParamValues};
pub(crate) use self::target::Target;
pub use self::url::IntoUrl;

/// Seals the conversion traits: their methods take a type no other crate can
/// name, so the accepted shapes are the ones listed here.
mod sealed {
    /// The proof of being inside treq.
    #[derive(Debug, Clone, Copy)]
    pub struct Internal;
}

pub(crate) use self::sealed::Internal;

/// What goes in the request body, before it is encoded.
#[derive(Debug, Default)]
pub(crate) enum Payload {
    #[default]
    None,
    Data(Body),
    Json(Bytes),
}

/// A request with all its options, ready for the pipeline.
#[derive(Debug)]
pub(crate) struct PendingRequest {
    pub(crate) method: Method,
    pub(crate) url: Target,
    pub(crate) headers: HeaderMap,
    pub(crate) payload: Payload,
    /// Form fields: urlencoded alone, or the text parts of a multipart body.
    pub(crate) form: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    pub(crate) files: Option<Vec<(String, Part)>>,
    /// The request's own deadline; `Some(ZERO)` turns the client's off.
    pub(crate) timeout: Option<Duration>,
    /// The request's own read timeout; `Some(ZERO)` turns the client's off.
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) auth: Option<Auth>,
    /// Basic credentials from the URL's userinfo (taken out of `url`): used
    /// when the request has neither `auth` nor its own `Authorization`.
    pub(crate) url_auth: Option<Auth>,
    pub(crate) cookies: Vec<RequestCookies>,
    pub(crate) allow_redirects: Option<bool>,
    pub(crate) browser_like_redirects: Option<bool>,
    pub(crate) max_redirects: Option<usize>,
    pub(crate) persistent: bool,
    pub(crate) unbuffered: bool,
    /// This request's buffered-body limit (`None`: the client's).
    pub(crate) max_body_size: Option<Option<u64>>,
    /// Which body options were given, to report conflicts by name.
    pub(crate) given: Given,
}

impl PendingRequest {
    /// A request with no options set yet.
    pub(crate) fn new(method: Method, mut url: Target) -> Self {
        // As browsers and curl do: `user:pass@` becomes Basic credentials
        // and leaves the URL, so no URL shown anywhere carries it. (A URL
        // that skipped the parser has no userinfo.)
        let url_auth = match url.url_if_parsed() {
            Some(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
                crate::extensions::take_userinfo(url.url_mut())
                    .map(|info| Auth::basic(info.username, info.password))
            }
            _ => None,
        };
        PendingRequest {
            method,
            url_auth,
            url,
            headers: HeaderMap::new(),
            payload: Payload::None,
            form: None,
            files: None,
            timeout: None,
            read_timeout: None,
            auth: None,
            cookies: Vec::new(),
            allow_redirects: None,
            browser_like_redirects: None,
            max_redirects: None,
            persistent: true,
            unbuffered: false,
            max_body_size: None,
            given: Given::default(),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Given {
    pub(crate) data: bool,
    pub(crate) json: bool,
    pub(crate) form: bool,
    pub(crate) files: bool,
}

impl Given {
    /// treq's rule: `json` cannot be combined with `data` or `files`; we also
    /// refuse `data` with `form`/`files` (a raw body has no room for fields).
    pub(crate) fn conflict(&self) -> Option<&'static str> {
        if self.json && self.data {
            Some("`json` cannot be combined with `data`")
        } else if self.json && self.files {
            Some("`json` cannot be combined with `files`")
        } else if self.json && self.form {
            Some("`json` cannot be combined with `form`")
        } else if self.data && self.files {
            Some("`data` cannot be combined with `files`: pass form fields with `form`")
        } else if self.data && self.form {
            Some("`data` cannot be combined with `form`")
        } else {
            None
        }
    }
}

/// Converts a method: a `Method` as it is; a name case-insensitively
/// (`"gEt"` is GET, as in Python treq), any token allowed.
pub(crate) fn to_method<M>(method: M) -> crate::Result<Method>
where
    M: TryInto<Method>,
    M::Error: Into<http::Error>,
{
    let method = method
        .try_into()
        .map_err(|e| error::builder_with("invalid HTTP method", e.into()))?;
    if !method.as_str().bytes().any(|b| b.is_ascii_lowercase()) {
        return Ok(method);
    }
    let upper = method.as_str().to_ascii_uppercase();
    Method::from_bytes(upper.as_bytes())
        .map_err(|e| error::builder_with(format!("invalid HTTP method {method:?}"), e))
}

/// Sets a header the client generates, replacing any value the user gave.
pub(crate) fn set_generated(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    headers.insert(name, value);
}
