//! Redirects: `RedirectAgent` follows 3xx responses per treq's rules, keeps the
//! history, and strips credentials on cross-origin hops.
//!
//! Security: on any change of scheme, host or port (compared hop by hop, and
//! sticky: once stripped, never restored) `Authorization`,
//! `Proxy-Authorization`, `Cookie`, `Cookie2`, `WWW-Authenticate`, `Host` and
//! the client's extra sensitive headers are removed. Cookies for the new hop
//! come from the jar (the cookie layer is inside this one). Every hop request
//! after an origin change, and the final response, carry the [`OriginChanged`]
//! marker in their extensions, so outer layers (auth) never answer a challenge
//! from a host the credentials were not given for.
//!
//! A `Location` with userinfo (`http://user:pass@host/`) is followed as
//! browsers, curl and reqwest do: its credentials go to that target as Basic
//! auth (replacing any `Authorization` left), and the userinfo is removed
//! from the URL, so no response URL, history entry or error shows it.

mod policy;
#[cfg(test)]
mod tests;

mod agent;
pub(crate) use self::agent::RedirectAgent;

use std::fmt;
use std::sync::Arc;

use http::header::HeaderName;
use http::{Method, StatusCode};
use url::Url;

use self::policy::Action;
use crate::agent::{agent_of_layer, Layer};
use crate::error::{Error, ErrorKind};
use crate::extensions::{History, OriginChanged, ReadTimeout, RedirectOptions, RequestUrl};
use crate::Body;

/// Intermediate responses are drained (see [`crate::body::drain`]: at most
/// 64 KiB and 1 s, so a small body leaves its connection to be reused and an
/// endless one cannot stall the chain). A body read to its end is kept for
/// `history()` while the bodies kept so far total at most this much; past it
/// (a long chain of large bodies) later ones are kept empty, so the memory a
/// chain holds does not grow with `max_redirects`.
const HISTORY_BODIES_LIMIT: usize = 1 << 20;
