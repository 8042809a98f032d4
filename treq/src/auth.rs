//! Authentication: `Auth` (Basic, Bearer, Digest) and `AuthAgent`, the
//! outermost wrapper agent.
//!
//! The client puts the request's `Auth` into the request extensions; `AuthAgent`
//! takes it out and sets `Authorization` on the request (a copy: the caller's
//! headers are never touched).

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use http::header::{HeaderValue, AUTHORIZATION};

use crate::agent::{Agent, ResponseFuture};
use crate::Body;

/// Credentials for a request.
///
/// `("user", "pass")` converts to Basic. Credentials are bound to the origin
/// they were given for: they are never sent to another scheme, host or port
/// through a redirect.
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

    /// Digest credentials.
    pub fn digest(username: impl Into<String>, password: impl Into<String>) -> Self {
        Auth::Digest {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The `Authorization` value sent up front (Digest has none before a challenge).
    pub(crate) fn preemptive_header(&self) -> Option<HeaderValue> {
        let value = match self {
            Auth::Basic { username, password } => {
                let mut raw = username.clone();
                raw.push(b':');
                raw.extend_from_slice(password);
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                )
            }
            Auth::Bearer(token) => format!("Bearer {token}"),
            Auth::Digest { .. } => return None,
        };
        let mut value = HeaderValue::from_str(&value).ok()?;
        value.set_sensitive(true);
        Some(value)
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

/// Sets `Authorization` from the request's [`Auth`]; answers digest challenges.
pub struct AuthAgent<A> {
    inner: Arc<A>,
}

impl<A> AuthAgent<A> {
    /// Wraps `inner`.
    pub fn new(inner: A) -> Self {
        AuthAgent {
            inner: Arc::new(inner),
        }
    }
}

impl<A> fmt::Debug for AuthAgent<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthAgent").finish_non_exhaustive()
    }
}

impl<A: Agent> Agent for AuthAgent<A> {
    fn request(&self, mut request: http::Request<Body>) -> ResponseFuture {
        let Some(auth) = request.extensions_mut().remove::<Auth>() else {
            return self.inner.request(request);
        };
        if let Some(value) = auth.preemptive_header() {
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        self.inner.request(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(auth: Auth) -> String {
        auth.preemptive_header().unwrap().to_str().unwrap().to_owned()
    }

    #[test]
    fn basic_auth_matches_treq() {
        assert_eq!(header(("username", "password").into()), "Basic dXNlcm5hbWU6cGFzc3dvcmQ=");
        assert_eq!(
            header(("username", "verylongpasswordthatextendsbeyondthepointwheremultiplelinesaregenerated").into()),
            "Basic dXNlcm5hbWU6dmVyeWxvbmdwYXNzd29yZHRoYXRleHRlbmRzYmV5b25kdGhlcG9pbnR3aGVyZW11bHRpcGxlbGluZXNhcmVnZW5lcmF0ZWQ="
        );
        assert_eq!(header(("ᛗ", "ᚹ").into()), "Basic 4ZuXOuGauQ==");
        assert_eq!(
            header((b"\x01\x0f\xff".to_vec(), b"\xff\xf0\x01".to_vec()).into()),
            "Basic AQ//Ov/wAQ=="
        );
        assert_eq!(header(("a:b", "c").into()), "Basic YTpiOmM=");
    }

    #[test]
    fn debug_hides_secrets() {
        let s = format!("{:?}", Auth::basic("u", "hunter2"));
        assert!(!s.contains("hunter2"));
        assert!(!format!("{:?}", Auth::bearer("tok")).contains("tok"));
    }
}
