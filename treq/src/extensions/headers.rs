//! Header rules the layers share: which values are secret, and the Basic
//! credentials header (sent by the auth layer, and by the redirect layer for
//! credentials in a `Location`).

use base64::Engine as _;
use http::header::{HeaderMap, HeaderName, HeaderValue};

/// Marks the values of `Authorization`, `Proxy-Authorization`, `Cookie` and
/// the `extra` names (the client's sensitive headers) as sensitive, so every
/// `Debug` of them prints `Sensitive` (and HTTP/2 never indexes them).
pub(crate) fn mark_sensitive(headers: &mut HeaderMap, extra: &[HeaderName]) {
    use http::header::{AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION};
    // One pass over the (few) values: no hashing, and the map never grows.
    for (name, value) in headers.iter_mut() {
        if name == AUTHORIZATION
            || name == COOKIE
            || name == PROXY_AUTHORIZATION
            || extra.contains(name)
        {
            value.set_sensitive(true);
        }
    }
}

/// `Basic base64(user ":" pass)`: UTF-8 (or raw bytes), no line breaks, and a
/// colon in the user name is not escaped (as Python treq sends it).
pub(crate) fn basic(username: &[u8], password: &[u8]) -> HeaderValue {
    let mut raw = Vec::with_capacity(username.len() + password.len() + 1);
    raw.extend_from_slice(username);
    raw.push(b':');
    raw.extend_from_slice(password);
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
    let mut value =
        HeaderValue::try_from(format!("Basic {encoded}")).expect("base64 is a valid header value");
    value.set_sensitive(true);
    value
}
