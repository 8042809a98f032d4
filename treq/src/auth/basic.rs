//! The `Authorization` values sent up front: Basic and Bearer.

use http::header::HeaderValue;

use crate::error;

/// `Bearer <token>`; a token that cannot go in a header is a builder error
/// rather than a request silently sent without credentials.
pub(crate) fn bearer(token: &str) -> crate::Result<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| {
        error::builder("the bearer token contains characters not allowed in a header")
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extensions::basic;

    fn header(user: impl AsRef<[u8]>, pass: impl AsRef<[u8]>) -> String {
        basic(user.as_ref(), pass.as_ref())
            .to_str()
            .unwrap()
            .to_owned()
    }

    // treq's test_auth: test_add_basic_auth, _huge, _utf8, _bytes.
    #[test]
    fn basic_auth_matches_treq() {
        assert_eq!(
            header("username", "password"),
            "Basic dXNlcm5hbWU6cGFzc3dvcmQ="
        );
        assert_eq!(
            header("username", "verylongpasswordthatextendsbeyondthepointwheremultiplelinesaregenerated"),
            "Basic dXNlcm5hbWU6dmVyeWxvbmdwYXNzd29yZHRoYXRleHRlbmRzYmV5b25kdGhlcG9pbnR3aGVyZW11bHRpcGxlbGluZXNhcmVnZW5lcmF0ZWQ="
        );
        assert_eq!(header("ᛗ", "ᚹ"), "Basic 4ZuXOuGauQ==");
        assert_eq!(
            header(b"\x01\x0f\xff", b"\xff\xf0\x01"),
            "Basic AQ//Ov/wAQ=="
        );
        assert_eq!(header("a:b", "c"), "Basic YTpiOmM=");
        assert!(basic(b"u", b"p").is_sensitive());
    }

    #[test]
    fn bearer_rejects_line_breaks() {
        assert_eq!(bearer("abc").unwrap(), "Bearer abc");
        let err = bearer("abc\r\nX-Evil: 1").unwrap_err();
        assert!(
            err.is_builder() && err.to_string().contains("bearer token"),
            "{err}"
        );
    }
}
