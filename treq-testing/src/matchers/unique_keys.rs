//! The check that a JSON document names every key of each of its objects
//! once, at any depth.

use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};

/// True if `json` is one JSON document in which no object names a key twice.
/// Keys compare after unescaping, so `"a"` and `"\u0061"` are the same key.
pub(super) fn has_unique_keys(json: &[u8]) -> bool {
    serde_json::from_slice::<UniqueKeys>(json).is_ok()
}

/// A JSON value read only to check its keys; nothing of it is kept.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeys)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_i128<E>(self, _: i128) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(A::Error::custom("an object names a key twice"));
            }
            map.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

#[cfg(test)]
mod tests {
    use super::has_unique_keys;

    #[test]
    fn a_key_named_twice_in_any_object_is_refused() {
        for json in [
            r#"{"a": 1, "a": 1}"#,
            r#"{"a": 1, "b": 2, "a": 3}"#,
            r#"[1, {"x": {"y": null, "y": true}}]"#,
            r#"{"a": "x", "\u0061": "y"}"#,
        ] {
            assert!(!has_unique_keys(json.as_bytes()), "{json}");
        }
    }

    #[test]
    fn every_json_value_with_distinct_keys_is_accepted() {
        for json in [
            "null",
            "true",
            "-1",
            "18446744073709551615",
            "1.5e300",
            r#""text""#,
            "[]",
            "{}",
            r#"{"a": {"a": {"a": [1, "a", {"a": 2}]}}, "b": [{"a": 1}, {"a": 2}]}"#,
        ] {
            assert!(has_unique_keys(json.as_bytes()), "{json}");
        }
        assert!(!has_unique_keys(b"{\"a\": 1"));
        assert!(!has_unique_keys(b"1 2"));
    }
}
