//! Authentication: [`Auth`] (Basic, Bearer, Digest), `.netrc`, and the auth
//! layer, the outermost of the stack.
//!
//! The client puts the request's `Auth` into the request extensions; the layer
//! takes it out and sets `Authorization` on the request (the request's own
//! header map, already a copy: the caller's headers are never touched). A
//! request's `Authorization` header is replaced by its `auth`, as in treq.
//!
//! Digest: the first request goes without credentials; a `401` with a
//! `WWW-Authenticate: Digest` challenge from the same origin is answered by
//! sending the request again (its in-memory body replayed). The challenge is
//! remembered per origin, so later requests to that origin answer up front
//! with an increasing nonce count; `stale=true` is retried once with the new
//! nonce; a second non-stale `401` (wrong password) is returned, never looped.
//! A streamed or file body cannot be sent twice: if such a request is
//! challenged, the request fails with a clear error (kind `Request`); once
//! the origin's challenge is known (after any earlier digest request to it),
//! streamed bodies go out with credentials up front and work.
//!
//! Credentials are bound to the origin they were given for. The redirect layer
//! (inside this one) strips `Authorization` on cross-origin hops, and a digest
//! challenge coming from another origin than the request's (after a redirect)
//! is not answered: the `401` is returned.
//!
//! Known limits: one challenge is remembered per origin (two realms on one
//! origin cost an extra round trip when they alternate); `Authentication-Info:
//! nextnonce` is not used; the answer is computed for the original
//! request-target, so a digest-protected page reached through a same-origin
//! redirect gets a `uri=` that names the first URL (servers that check `uri=`
//! against the request line refuse it with a 401, which is returned).

mod basic;
mod digest;
mod netrc;

mod agent;
pub(crate) use self::agent::AuthAgent;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use http::header::{HeaderValue, AUTHORIZATION};
use http::{StatusCode, Uri};

use self::digest::{Challenge, Credentials, DigestCache};
use crate::agent::{agent_of_layer, Inline, Layer};
use crate::error::{Error, ErrorKind};
use crate::extensions::SentRequest;
use crate::Body;

/// Credentials for a request.
///
/// `("user", "pass")` converts to Basic. Credentials are bound to the origin
/// they were given for: they are never sent to another scheme, host or port
/// through a redirect.
///
/// Anything else is a compile error, where treq raises `UnknownAuthConfig`
/// at run time (treq's `test_add_unknown_auth`):
///
/// ```compile_fail
/// let client = treq::HttpClient::new(treq::HyperAgent::new());
/// let _ = client.get("http://127.0.0.1/").auth(1234);
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// `Authorization: Basic base64(user:pass)` (UTF-8, no line breaks).
    Basic {
        /// The user name.
        username: Vec<u8>,
        /// The password.
        password: Vec<u8>,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// HTTP Digest (RFC 7616 / 2617), answered after the server's challenge.
    Digest {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
}

impl Auth {
    /// Basic credentials.
    pub fn basic(username: impl Into<Vec<u8>>, password: impl Into<Vec<u8>>) -> Self {
        Auth::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Auth::Bearer(token.into())
    }

    /// Digest credentials (RFC 7616: MD5, SHA-256, SHA-512-256 and their
    /// `-sess` forms, `qop=auth` or none). Nothing is sent until the server
    /// challenges; then the request is sent again with the answer, and later
    /// requests to the same origin on this client answer up front.
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// let client = treq::HttpClient::new(treq::HyperAgent::new());
    /// let resp = client
    ///     .get("http://127.0.0.1:8080/digest-auth/auth/user/passwd/SHA-256")
    ///     .auth(treq::Auth::digest("user", "passwd"))
    ///     .await?;
    /// assert_eq!(resp.code(), 200);
    /// # Ok(()) }
    /// ```
    pub fn digest(username: impl Into<String>, password: impl Into<String>) -> Self {
        Auth::Digest {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secrets.
        match self {
            Auth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", &String::from_utf8_lossy(username))
                .finish_non_exhaustive(),
            Auth::Bearer(_) => f.write_str("Bearer(..)"),
            Auth::Digest { username, .. } => f
                .debug_struct("Digest")
                .field("username", username)
                .finish_non_exhaustive(),
        }
    }
}

impl<U: Into<Vec<u8>>, P: Into<Vec<u8>>> From<(U, P)> for Auth {
    fn from((username, password): (U, P)) -> Self {
        Auth::basic(username, password)
    }
}
