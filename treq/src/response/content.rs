//! Body helpers: treq's module functions, and the charset rules (the
//! `Content-Type` charset, else ISO-8859-1 for text).

use bytes::Bytes;
use http::header::{HeaderMap, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use super::Response;
use crate::error;

/// Calls `f` with each body chunk in arrival order (see [`Response::collect`]).
pub async fn collect(response: &Response, f: impl FnMut(Bytes)) -> crate::Result<()> {
    response.collect(f).await
}

/// The whole body (see [`Response::content`]).
pub async fn content(response: &Response) -> crate::Result<Bytes> {
    response.content().await
}

/// The body as text (see [`Response::text`]).
pub async fn text_content(response: &Response) -> crate::Result<String> {
    response.text().await
}

/// The body parsed as JSON (see [`Response::json`]).
pub async fn json_content<T: DeserializeOwned>(response: &Response) -> crate::Result<T> {
    response.json().await
}

/// Characters allowed in a charset token.
fn is_charset_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&+-^_`~".contains(c)
}

/// The charset named by the *last* `Content-Type` header, lowercased; for
/// `application/json` without a usable charset, `utf-8`.
pub(crate) fn encoding_from_headers(headers: &HeaderMap) -> Option<String> {
    let value = headers.get_all(CONTENT_TYPE).iter().next_back()?;
    let value = String::from_utf8_lossy(value.as_bytes());
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let mut charset_param: Option<Option<String>> = None;
    for param in parts {
        let Some((name, raw)) = param.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("charset") {
            continue;
        }
        let stripped = raw
            .trim()
            .trim_matches(|c| c == '\'' || c == '"')
            .to_ascii_lowercase();
        let usable = !stripped.is_empty() && stripped.chars().all(is_charset_char);
        charset_param = Some(usable.then_some(stripped));
        // treq: `charset=` (empty, unquoted) on application/json still means UTF-8,
        // but `charset=''` means no charset at all.
        if !usable && media_type == "application/json" && raw.trim().is_empty() {
            charset_param = None;
        }
    }
    match charset_param {
        Some(found) => found,
        None if media_type == "application/json" => Some("utf-8".to_owned()),
        None => None,
    }
}

/// Decodes `bytes` with the encoding `label`. ISO-8859-1 is true Latin-1 (every
/// byte is the code point of the same value), unlike WHATWG's windows-1252.
pub(crate) fn decode_text(bytes: &[u8], label: &str) -> crate::Result<String> {
    let label = label.trim().to_ascii_lowercase();
    if matches!(
        label.as_str(),
        "iso-8859-1" | "iso8859-1" | "latin-1" | "latin1" | "l1" | "iso_8859-1" | "8859"
    ) {
        return Ok(bytes.iter().map(|&b| b as char).collect());
    }
    let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
        .ok_or_else(|| error::decode(format!("unknown text encoding {label:?}"), None))?;
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or_else(|| {
            error::decode(
                format!("the response body is not valid {}", encoding.name()),
                None,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charset(values: &[&[u8]]) -> Option<String> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(CONTENT_TYPE, http::HeaderValue::from_bytes(v).unwrap());
        }
        encoding_from_headers(&headers)
    }

    #[test]
    fn rfc_examples_and_params() {
        for v in [
            &b"text/html;charset=utf-8"[..],
            b"Text/HTML;Charset=\"utf-8\"",
            b"text/html;charset=UTF-8",
            b"text/html; charset=\"utf-8\"",
        ] {
            assert_eq!(charset(&[v]).as_deref(), Some("utf-8"));
        }
        assert_eq!(
            charset(&[b"a/b;c=d; charsEt=ascii;e=f"]).as_deref(),
            Some("ascii")
        );
        assert_eq!(
            charset(&[b"a/b;c=d; charSet=ascii;e=f"]).as_deref(),
            Some("ascii")
        );
        assert_eq!(
            charset(&[b"foo/bar; charset='ASCII'"]).as_deref(),
            Some("ascii")
        );
        assert_eq!(
            charset(&[b"a/b; charset=\"Shift_JIS\""]).as_deref(),
            Some("shift_jis")
        );
        assert_eq!(
            charset(&[b"text/plain; charset=utf-16", b"text/plain; charset=ascii"]).as_deref(),
            Some("ascii")
        );
        assert_eq!(
            charset(&["text/plain; charset=\"UTF-16BE\"; u=\u{16c3}".as_bytes()]).as_deref(),
            Some("utf-16be")
        );
    }

    #[test]
    fn no_charset_cases() {
        for v in [
            &b"text/plain;charset="[..],
            b"text/plain;charset=''",
            b"text/plain;charset=\"'\"",
            "text/plain;charset=\u{1f643}".as_bytes(),
            b"application/octet-stream",
            b"",
        ] {
            assert_eq!(charset(&[v]), None, "{:?}", String::from_utf8_lossy(v));
        }
        assert_eq!(charset(&[]), None);
        assert_eq!(
            charset(&[b"application/json; charset="]).as_deref(),
            Some("utf-8")
        );
        assert_eq!(charset(&[b"application/json; charset=''"]), None);
        assert_eq!(charset(&[b"Application/JSON"]).as_deref(), Some("utf-8"));
    }

    #[test]
    fn decoding() {
        assert_eq!(
            decode_text(b"\xa1\x80", "ISO-8859-1").unwrap(),
            "\u{a1}\u{80}"
        );
        assert_eq!(decode_text(b"\xe2\x98\x83", "utf-8").unwrap(), "\u{2603}");
        assert_eq!(decode_text(b"\x00a", "utf-16be").unwrap(), "a");
        assert!(decode_text(b"\xff", "utf-8").unwrap_err().is_decode());
        assert!(decode_text(b"a", "no-such-charset")
            .unwrap_err()
            .is_decode());
    }
}
