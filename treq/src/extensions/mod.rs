//! The request-scoped values the layers pass to each other in
//! `http::Extensions`, in one place.
//!
//! The client sets the per-request settings (redirect options, read timeout,
//! body limit, the parsed URL) on the `http::Request` it sends through the
//! stack; the layers read them there instead of knowing about the client,
//! and put what they learn (the record of what was sent, the redirect
//! history, an origin change) on the response for the layers above. A layer
//! depends on this module, the `Agent` trait, `Body` and `Error`, and on
//! nothing else of the crate; that keeps the stack closed: layers can be
//! reordered, added or tested alone (see ARCHITECTURE.md).
//!
//! Values set by the client (on the request):
//! - [`RequestUrl`]: the parsed URL, so no layer parses the URI again (a
//!   URL that skipped the parser has none; a layer that needs one parses
//!   the URI then).
//! - [`RedirectOptions`]: follow or not, browser-like, the most hops.
//! - [`ReadTimeout`]: the idle limit, applied by the innermost layer.
//! - [`RequestLimit`]: the buffered-body limit, also for decoding.
//! - the user's `Auth`, read (and removed) by the auth layer.
//! - the call's own `CookieJar` (the module-level functions), read by the
//!   cookie layer instead of the session jar it was built with.
//!
//! Each layer is built with the client's defaults; a value is put here only
//! when a request differs from them, so a plain request carries none (and
//! its extensions map is never allocated).
//!
//! Values set by layers (on the response):
//! - [`SentRequest`] (record layer): the request as it went to the transport.
//! - [`HopExtensions`] (record layer): the request's own values, taken off
//!   it before the transport, for the redirect layer to build the next hop
//!   from (so a request that is not redirected is never copied).
//! - [`History`] (redirect layer): the earlier responses of the chain.
//! - [`OriginChanged`] (redirect layer, also on hop requests): the chain
//!   left the first request's origin.

mod headers;
mod sent;
mod url;

use std::time::Duration;

use crate::Body;

pub(crate) use self::headers::{basic, mark_sensitive};
pub use self::sent::SentRequest;
pub(crate) use self::url::{to_uri, url_of, RequestUrl};
pub(crate) use crate::error::take_userinfo;

/// Per-request redirect settings, carried in the request extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RedirectOptions {
    pub(crate) follow: bool,
    pub(crate) browser_like: bool,
    pub(crate) max: usize,
}

impl Default for RedirectOptions {
    fn default() -> Self {
        RedirectOptions {
            follow: true,
            browser_like: false,
            max: 20,
        }
    }
}

/// The earlier responses of a redirect chain, oldest first (response extension).
#[derive(Debug, Default)]
pub(crate) struct History(pub(crate) Vec<http::Response<Body>>);

/// `http::Extensions` only holds `Clone` values, but bodies cannot be cloned:
/// a clone of the extensions carries an empty history. The pipeline moves the
/// history out of the one response that has it, so no clone is ever taken.
impl Clone for History {
    fn clone(&self) -> Self {
        History(Vec::new())
    }
}

/// The request-scoped values of a hop, handed back on its response by the
/// record layer (which takes them off the request, so the transport never
/// carries them), for the redirect layer to build the next hop from.
#[derive(Debug, Clone, Default)]
pub(crate) struct HopExtensions(pub(crate) http::Extensions);

/// Marker in the extensions of a redirected request (and of the final
/// response) whose origin differs from the first request's at some hop.
/// Credentials given for the first origin must not be used for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OriginChanged;

/// The request's read timeout, carried in the request extensions (so every
/// hop and retry the layers make carries it too).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadTimeout(pub(crate) Duration);

impl ReadTimeout {
    /// The read timeout of a request, if it has one.
    pub(crate) fn of(extensions: &http::Extensions) -> Option<Duration> {
        extensions.get::<ReadTimeout>().map(|t| t.0)
    }
}

/// A request's own buffered-body limit, when it is not the client's
/// default (`None`: no limit, for an unbuffered read); the decoded size of
/// its body stays within it too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestLimit(pub(crate) Option<u64>);
