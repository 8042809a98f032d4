//! Request headers: the accepted shapes. The caller's map is copied, never mutated.

use http::header::{HeaderMap, HeaderName, HeaderValue};

use super::Internal;
use crate::error;

/// A header name: `&str`, `String`, or `HeaderName`. Sealed.
pub trait HeaderKey {
    /// Converts to a `HeaderName`.
    fn to_header_name(&self, _: Internal) -> crate::Result<HeaderName>;
}

/// One header value or several (`Vec`, arrays, slices), sent in order. Sealed.
pub trait HeaderValues {
    /// Appends each value under `name`.
    fn append_values(
        &self,
        name: &HeaderName,
        map: &mut HeaderMap,
        _: Internal,
    ) -> crate::Result<()>;
}

/// One header value: `&str`, `String`, `HeaderValue`, or raw bytes (`&[u8]`,
/// `Vec<u8>`, `bytes::Bytes`). CR, LF and NUL are refused. Sealed.
pub trait HeaderValueLike {
    /// Converts to a `HeaderValue`.
    fn to_header_value(&self, name: &HeaderName, _: Internal) -> crate::Result<HeaderValue>;
}

fn invalid_value(
    name: &HeaderName,
    e: impl std::error::Error + Send + Sync + 'static,
) -> crate::Error {
    error::builder_with(
        format!("invalid value for header {name:?}: header values may not contain CR, LF or NUL"),
        e,
    )
}

impl HeaderKey for str {
    fn to_header_name(&self, _: Internal) -> crate::Result<HeaderName> {
        HeaderName::from_bytes(self.as_bytes())
            .map_err(|e| error::builder_with(format!("invalid header name {self:?}"), e))
    }
}
impl HeaderKey for String {
    fn to_header_name(&self, _: Internal) -> crate::Result<HeaderName> {
        self.as_str().to_header_name(Internal)
    }
}
impl HeaderKey for HeaderName {
    fn to_header_name(&self, _: Internal) -> crate::Result<HeaderName> {
        Ok(self.clone())
    }
}
impl<T: HeaderKey + ?Sized> HeaderKey for &T {
    fn to_header_name(&self, _: Internal) -> crate::Result<HeaderName> {
        (**self).to_header_name(Internal)
    }
}

impl HeaderValueLike for str {
    fn to_header_value(&self, name: &HeaderName, _: Internal) -> crate::Result<HeaderValue> {
        HeaderValue::from_str(self).map_err(|e| invalid_value(name, e))
    }
}
impl HeaderValueLike for String {
    fn to_header_value(&self, name: &HeaderName, _: Internal) -> crate::Result<HeaderValue> {
        self.as_str().to_header_value(name, Internal)
    }
}
impl HeaderValueLike for [u8] {
    fn to_header_value(&self, name: &HeaderName, _: Internal) -> crate::Result<HeaderValue> {
        HeaderValue::from_bytes(self).map_err(|e| invalid_value(name, e))
    }
}
impl HeaderValueLike for bytes::Bytes {
    fn to_header_value(&self, name: &HeaderName, _: Internal) -> crate::Result<HeaderValue> {
        HeaderValue::from_maybe_shared(self.clone()).map_err(|e| invalid_value(name, e))
    }
}
impl HeaderValueLike for HeaderValue {
    fn to_header_value(&self, _name: &HeaderName, _: Internal) -> crate::Result<HeaderValue> {
        Ok(self.clone())
    }
}
impl<T: HeaderValueLike + ?Sized> HeaderValueLike for &T {
    fn to_header_value(&self, name: &HeaderName, _: Internal) -> crate::Result<HeaderValue> {
        (**self).to_header_value(name, Internal)
    }
}

impl<T: HeaderValueLike + ?Sized> HeaderValues for T {
    fn append_values(
        &self,
        name: &HeaderName,
        map: &mut HeaderMap,
        _: Internal,
    ) -> crate::Result<()> {
        map.append(name.clone(), self.to_header_value(name, Internal)?);
        Ok(())
    }
}
impl<T: HeaderValueLike> HeaderValues for Vec<T> {
    fn append_values(
        &self,
        name: &HeaderName,
        map: &mut HeaderMap,
        _: Internal,
    ) -> crate::Result<()> {
        self.as_slice().append_values(name, map, Internal)
    }
}
impl<T: HeaderValueLike> HeaderValues for &Vec<T> {
    fn append_values(
        &self,
        name: &HeaderName,
        map: &mut HeaderMap,
        _: Internal,
    ) -> crate::Result<()> {
        self.as_slice().append_values(name, map, Internal)
    }
}
impl<T: HeaderValueLike, const N: usize> HeaderValues for [T; N] {
    fn append_values(
        &self,
        name: &HeaderName,
        map: &mut HeaderMap,
        _: Internal,
    ) -> crate::Result<()> {
        self.as_slice().append_values(name, map, Internal)
    }
}
impl<T: HeaderValueLike> HeaderValues for &[T] {
    fn append_values(
        &self,
        name: &HeaderName,
        map: &mut HeaderMap,
        _: Internal,
    ) -> crate::Result<()> {
        for v in self.iter() {
            map.append(name.clone(), v.to_header_value(name, Internal)?);
        }
        Ok(())
    }
}

/// Headers: a `HeaderMap` (by value or reference) or any iterable of
/// `(name, value-or-values)` pairs. Values are appended in order. Sealed.
pub trait IntoHeaders {
    /// Appends every header to `map`.
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()>;
}

impl IntoHeaders for HeaderMap {
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()> {
        let mut last: Option<HeaderName> = None;
        for (name, value) in self {
            if let Some(n) = name {
                last = Some(n);
            }
            if let Some(n) = &last {
                map.append(n.clone(), value);
            }
        }
        Ok(())
    }
}

fn append_pairs<K: HeaderKey, V: HeaderValues>(
    pairs: impl IntoIterator<Item = (K, V)>,
    map: &mut HeaderMap,
) -> crate::Result<()> {
    for (k, v) in pairs {
        let name = k.to_header_name(Internal)?;
        v.append_values(&name, map, Internal)?;
    }
    Ok(())
}

fn append_ref_pairs<'a, K: HeaderKey + 'a, V: HeaderValues + 'a>(
    pairs: impl IntoIterator<Item = (&'a K, &'a V)>,
    map: &mut HeaderMap,
) -> crate::Result<()> {
    for (k, v) in pairs {
        let name = k.to_header_name(Internal)?;
        v.append_values(&name, map, Internal)?;
    }
    Ok(())
}

impl IntoHeaders for &HeaderMap {
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()> {
        append_pairs(self, map)
    }
}

// Pairs and maps. (A blanket impl over `IntoIterator` would overlap with the
// `HeaderMap` one, whose iterator yields `Option<HeaderName>` keys.)
impl<K: HeaderKey, V: HeaderValues> IntoHeaders for Vec<(K, V)> {
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()> {
        append_pairs(self, map)
    }
}
impl<K: HeaderKey, V: HeaderValues, const N: usize> IntoHeaders for [(K, V); N] {
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()> {
        append_pairs(self, map)
    }
}
impl<K: HeaderKey, V: HeaderValues> IntoHeaders for &[(K, V)] {
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()> {
        append_ref_pairs(self.iter().map(|(k, v)| (k, v)), map)
    }
}
impl<K: HeaderKey, V: HeaderValues, S> IntoHeaders for std::collections::HashMap<K, V, S> {
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()> {
        append_pairs(self, map)
    }
}
impl<K: HeaderKey, V: HeaderValues, S> IntoHeaders for &std::collections::HashMap<K, V, S> {
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()> {
        append_ref_pairs(self, map)
    }
}
impl<K: HeaderKey, V: HeaderValues> IntoHeaders for std::collections::BTreeMap<K, V> {
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()> {
        append_pairs(self, map)
    }
}
impl<K: HeaderKey, V: HeaderValues> IntoHeaders for &std::collections::BTreeMap<K, V> {
    fn append_to(self, map: &mut HeaderMap, _: Internal) -> crate::Result<()> {
        append_ref_pairs(self, map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extensions::mark_sensitive;

    #[test]
    fn secret_values_are_marked_sensitive() {
        let mut map = HeaderMap::new();
        [
            ("Authorization", vec!["Bearer t1", "Bearer t2"]),
            ("cookie", vec!["a=c1"]),
            ("Proxy-Authorization", vec!["Basic p1"]),
            ("X-Api-Key", vec!["k1"]),
            ("X-Plain", vec!["shown"]),
        ]
        .append_to(&mut map, Internal)
        .unwrap();
        mark_sensitive(&mut map, &[HeaderName::from_static("x-api-key")]);
        let shown = format!("{map:?}");
        for secret in ["t1", "t2", "c1", "p1", "k1"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.contains("shown") && shown.contains("Sensitive"),
            "{shown}"
        );
        assert_eq!(
            map["authorization"], "Bearer t1",
            "the value itself is kept"
        );
    }

    #[test]
    fn multi_values_keep_order_and_source_is_untouched() {
        let mut source = HeaderMap::new();
        source.append("x-blah", HeaderValue::from_static("Foo"));
        source.append("x-blah", HeaderValue::from_static("Bar"));
        let before = source.clone();
        let mut map = HeaderMap::new();
        (&source).append_to(&mut map, Internal).unwrap();
        [("X-Other", vec!["a", "b"])]
            .append_to(&mut map, Internal)
            .unwrap();
        assert_eq!(source, before);
        let got: Vec<_> = map.get_all("x-blah").iter().collect();
        assert_eq!(got, ["Foo", "Bar"]);
        let got: Vec<_> = map.get_all("x-other").iter().collect();
        assert_eq!(got, ["a", "b"]);
    }

    #[test]
    fn crlf_and_bad_names_are_errors() {
        let mut map = HeaderMap::new();
        let err = [("X-Evil", "a\r\nInjected: yes")]
            .append_to(&mut map, Internal)
            .unwrap_err();
        assert!(err.is_builder());
        assert!(err.to_string().contains("x-evil"), "{err}");
        let err = [("Bad Name", "v")]
            .append_to(&mut map, Internal)
            .unwrap_err();
        assert!(err.to_string().contains("Bad Name"), "{err}");
        let raw: &[u8] = b"\xff";
        [("X-Bytes", raw)].append_to(&mut map, Internal).unwrap();
        assert_eq!(map["x-bytes"].as_bytes(), b"\xff");
    }
}
