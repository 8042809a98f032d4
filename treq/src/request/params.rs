//! Query and form parameters: the accepted shapes and treq's encoding
//! (UTF-8, then quote_plus: space is `+`, only `A-Za-z0-9~-._` stay as they are).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use super::Internal;

/// Bytes that stay unescaped in a parameter: alphanumerics and `~-._`.
const PARAM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'~')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// Appends the quote_plus encoding of `bytes` to `out`.
fn quote_plus(bytes: &[u8], out: &mut String) {
    for piece in percent_encoding::percent_encode(bytes, PARAM) {
        if piece == "%20" {
            out.push('+');
        } else {
            out.push_str(piece);
        }
    }
}

/// Appends `key=value`, quote_plus-encoded, to `out` (after a `&` unless
/// `out` is empty): the one encoding of query params and form bodies.
pub(crate) fn push_pair(out: &mut String, key: &[u8], value: &[u8]) {
    if !out.is_empty() {
        out.push('&');
    }
    quote_plus(key, out);
    out.push('=');
    quote_plus(value, out);
}

/// One parameter key or value.
///
/// Strings are sent as UTF-8, [`Bytes`] as raw bytes, numbers, `bool` and
/// `char` through their `Display` text.
pub trait ParamValue {
    /// The raw (unencoded) bytes of this value.
    fn param_bytes(&self, _: Internal) -> Cow<'_, [u8]>;
}

impl ParamValue for str {
    fn param_bytes(&self, _: Internal) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl ParamValue for String {
    fn param_bytes(&self, _: Internal) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl ParamValue for Cow<'_, str> {
    fn param_bytes(&self, _: Internal) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl ParamValue for Bytes {
    fn param_bytes(&self, _: Internal) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn param_bytes(&self, _: Internal) -> Cow<'_, [u8]> {
        (**self).param_bytes(Internal)
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn param_bytes(&self, _: Internal) -> Cow<'_, [u8]> {
                Cow::Owned(self.to_string().into_bytes())
            }
        }
    )*};
}
display_param!(i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize, f32, f64, bool, char);

/// One value or several values for the same key (`Vec`, arrays, slices,
/// `Option` with `None` meaning no value). Several values repeat the key.
pub trait ParamValues {
    /// Calls `f` with each value, in order.
    fn each_value(&self, f: &mut dyn FnMut(&[u8]), _: Internal);
}

impl<T: ParamValue + ?Sized> ParamValues for T {
    fn each_value(&self, f: &mut dyn FnMut(&[u8]), _: Internal) {
        f(&self.param_bytes(Internal));
    }
}

impl<T: ParamValue> ParamValues for Vec<T> {
    fn each_value(&self, f: &mut dyn FnMut(&[u8]), _: Internal) {
        self.iter().for_each(|v| f(&v.param_bytes(Internal)));
    }
}

impl<T: ParamValue> ParamValues for &Vec<T> {
    fn each_value(&self, f: &mut dyn FnMut(&[u8]), _: Internal) {
        self.iter().for_each(|v| f(&v.param_bytes(Internal)));
    }
}

impl<T: ParamValue, const N: usize> ParamValues for [T; N] {
    fn each_value(&self, f: &mut dyn FnMut(&[u8]), _: Internal) {
        self.iter().for_each(|v| f(&v.param_bytes(Internal)));
    }
}

impl<T: ParamValue> ParamValues for &[T] {
    fn each_value(&self, f: &mut dyn FnMut(&[u8]), _: Internal) {
        self.iter().for_each(|v| f(&v.param_bytes(Internal)));
    }
}

impl<T: ParamValue> ParamValues for Option<T> {
    fn each_value(&self, f: &mut dyn FnMut(&[u8]), _: Internal) {
        if let Some(v) = self {
            f(&v.param_bytes(Internal));
        }
    }
}

/// Parameters: any iterable of `(key, value-or-values)` pairs, in order.
///
/// Pairs (`[("a", "1"), ("b", "2")]`, `Vec<(K, V)>`), maps (`HashMap`,
/// `BTreeMap`, by value or by reference) and multi-value maps
/// (`HashMap<&str, Vec<&str>>`) all work.
pub trait IntoParams {
    /// Calls `f` with each raw (unencoded) key and value, in order.
    fn for_each_pair(self, f: &mut dyn FnMut(&[u8], &[u8]), _: Internal);

    /// Appends the encoded `k=v` pairs, joined by `&`, to `out`.
    fn encode_into(self, out: &mut String, _: Internal)
    where
        Self: Sized,
    {
        self.for_each_pair(&mut |key, value| push_pair(out, key, value), Internal);
    }
}

impl<I, K, V> IntoParams for I
where
    I: IntoIterator<Item = (K, V)>,
    K: ParamValue,
    V: ParamValues,
{
    fn for_each_pair(self, f: &mut dyn FnMut(&[u8], &[u8]), _: Internal) {
        for (key, values) in self {
            let key = key.param_bytes(Internal);
            values.each_value(&mut |value| f(&key, value), Internal);
        }
    }
}

/// Collects the raw pairs (for multipart form fields).
pub(crate) fn raw_pairs(params: impl IntoParams) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    params.for_each_pair(&mut |k, v| out.push((k.to_vec(), v.to_vec())), Internal);
    out
}

/// Encodes params into a new string (used for `params` and `form`).
pub(crate) fn encode(params: impl IntoParams) -> String {
    let mut out = String::new();
    params.encode_into(&mut out, Internal);
    out
}

// Keep the map types in the public docs' examples honest.
#[allow(dead_code, clippy::needless_borrows_for_generic_args)]
fn _assert_maps_are_params() {
    fn is<P: IntoParams>(_: P) {}
    is(HashMap::<String, String>::new());
    is(&HashMap::<&str, Vec<&str>>::new());
    is(BTreeMap::<&str, i32>::new());
    is([("a", ["1", "2"])]);
    is(vec![("a".to_string(), Some(1u32))]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treq_rule_15_examples() {
        assert_eq!(encode([("text", vec!["AΩ"])]), "text=A%CE%A9");
        let mut out = String::new();
        [("text", "AΩ")].encode_into(&mut out, Internal);
        [("int-seq", [1, 2, 3])].encode_into(&mut out, Internal);
        assert_eq!(out, "text=A%CE%A9&int-seq=1&int-seq=2&int-seq=3");

        let mut out = String::new();
        [(
            Bytes::from_static(b"bytes"),
            vec![
                Bytes::from_static(b"ascii"),
                Bytes::from_static(b"\x00\xff\xfb"),
            ],
        )]
        .encode_into(&mut out, Internal);
        [(1, "int")].encode_into(&mut out, Internal);
        assert_eq!(out, "bytes=ascii&bytes=%00%FF%FB&1=int");

        assert_eq!(
            encode([
                ("ampersand", "&"),
                ("&", "ampersand"),
                ("octothorpe", "#"),
                ("#", "octothorpe")
            ]),
            "ampersand=%26&%26=ampersand&octothorpe=%23&%23=octothorpe"
        );
        assert_eq!(encode([("b", "x y+z")]), "b=x+y%2Bz");
        assert_eq!(encode([("k", "é/?=&")]), "k=%C3%A9%2F%3F%3D%26");
        assert_eq!(encode([("k", "~-._*")]), "k=~-._%2A");
        assert_eq!(encode([("a", "")]), "a=");
    }

    #[test]
    fn empty_multi_values_yield_nothing() {
        assert_eq!(encode([("a", Vec::<&str>::new())]), "");
        assert_eq!(encode([("a", None::<&str>)]), "");
    }

    #[test]
    fn btreemap_order_and_multi_values() {
        let mut m = BTreeMap::new();
        m.insert("foo", vec!["bar", "baz"]);
        assert_eq!(encode(&m), "foo=bar&foo=baz");
    }
}
