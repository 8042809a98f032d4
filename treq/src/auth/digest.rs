//! HTTP Digest authentication, client side (RFC 7616, with RFC 2617 / 2069
//! compatibility).
//!
//! Hand-written on the `md-5` and `sha2` crates rather than the `digest_auth`
//! crate: that crate supports the same algorithms (MD5, SHA-256, SHA-512-256
//! and their -sess forms) but depends on `http` 0.2 and `rand` 0.8, which would
//! put a second copy of both in every build, and its nonce counting lives in
//! the parsed header rather than per origin, where this client needs it. The
//! algorithm itself is ~150 lines, tested against the RFC 7616 test vectors
//! here and against an independent server-side check in the integration tests.
//!
//! Supported: `algorithm` MD5 (the default), MD5-sess, SHA-256, SHA-256-sess,
//! SHA-512-256, SHA-512-256-sess; `qop=auth` and no qop (RFC 2069); `opaque`
//! echoed; `userhash`; `stale`. Not supported (the 401 is returned as is):
//! `qop=auth-int` only, other algorithms.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use http::header::{HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use md5::Md5;
use sha2::{Digest as _, Sha256, Sha512_256};

/// A hash algorithm of the `algorithm` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Md5,
    Sha256,
    Sha512_256,
}

impl Hash {
    fn hex(self, data: &[u8]) -> String {
        let digest: Vec<u8> = match self {
            Hash::Md5 => Md5::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha512_256 => Sha512_256::digest(data).to_vec(),
        };
        let mut out = String::with_capacity(digest.len() * 2);
        for byte in digest {
            let _ = write!(out, "{byte:02x}");
        }
        out
    }
}

/// A parsed `WWW-Authenticate: Digest ...` challenge this client can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) realm: String,
    pub(crate) nonce: String,
    pub(crate) opaque: Option<String>,
    /// The `algorithm` token as the server spelled it (echoed back), if given.
    pub(crate) algorithm: Option<String>,
    pub(crate) hash: Hash,
    pub(crate) sess: bool,
    /// `qop=auth` offered; `false` means the RFC 2069 form without qop.
    pub(crate) qop_auth: bool,
    pub(crate) stale: bool,
    pub(crate) userhash: bool,
}

impl Challenge {
    /// The first Digest challenge in the headers that this client supports
    /// (servers list their preferred one first).
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Challenge> {
        headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
            .flat_map(parse_challenges)
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("digest"))
            .find_map(|(_, params)| Challenge::from_params(&params))
    }

    fn from_params(params: &[(String, String)]) -> Option<Challenge> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let nonce = get("nonce")?;
        let realm = get("realm").unwrap_or_default();
        let algorithm = get("algorithm");
        let (hash, sess) = match algorithm.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("MD5") => (Hash::Md5, false),
            Some("MD5-SESS") => (Hash::Md5, true),
            Some("SHA-256") => (Hash::Sha256, false),
            Some("SHA-256-SESS") => (Hash::Sha256, true),
            Some("SHA-512-256") => (Hash::Sha512_256, false),
            Some("SHA-512-256-SESS") => (Hash::Sha512_256, true),
            Some(_) => return None,
        };
        let qop_auth = match get("qop") {
            None => false,
            Some(list) => {
                if list
                    .split(',')
                    .any(|q| q.trim().eq_ignore_ascii_case("auth"))
                {
                    true
                } else {
                    // Only auth-int (or unknown) offered: we cannot answer.
                    return None;
                }
            }
        };
        let flag = |name: &str| get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Some(Challenge {
            realm,
            nonce,
            opaque: get("opaque"),
            algorithm,
            hash,
            sess,
            qop_auth,
            stale: flag("stale"),
            userhash: flag("userhash"),
        })
    }

    /// The `Authorization` value answering this challenge.
    pub(crate) fn answer(&self, creds: &Credentials<'_>, nc: u32, cnonce: &str) -> String {
        let h = |s: &str| self.hash.hex(s.as_bytes());
        let mut ha1 = h(&format!(
            "{}:{}:{}",
            creds.username, self.realm, creds.password
        ));
        if self.sess {
            ha1 = h(&format!("{ha1}:{}:{cnonce}", self.nonce));
        }
        let ha2 = h(&format!("{}:{}", creds.method, creds.uri));
        let nc_hex = format!("{nc:08x}");
        let response = if self.qop_auth {
            h(&format!(
                "{ha1}:{}:{nc_hex}:{cnonce}:auth:{ha2}",
                self.nonce
            ))
        } else {
            h(&format!("{ha1}:{}:{ha2}", self.nonce))
        };

        let mut out = String::from("Digest ");
        if self.userhash {
            let hashed = h(&format!("{}:{}", creds.username, self.realm));
            let _ = write!(out, "username=\"{hashed}\"");
        } else if needs_extended(creds.username) {
            // RFC 7616 section 4: a name that can't go in a quoted-string is
            // sent as an RFC 5987 ext-value.
            let encoded =
                percent_encoding::utf8_percent_encode(creds.username, ATTR_CHAR).to_string();
            let _ = write!(out, "username*=UTF-8''{encoded}");
        } else {
            let _ = write!(out, "username=\"{}\"", creds.username);
        }
        let _ = write!(
            out,
            ", realm=\"{}\", uri=\"{}\"",
            quote(&self.realm),
            quote(creds.uri)
        );
        if let Some(algorithm) = &self.algorithm {
            let _ = write!(out, ", algorithm={algorithm}");
        }
        let _ = write!(out, ", nonce=\"{}\"", quote(&self.nonce));
        if self.qop_auth {
            let _ = write!(out, ", nc={nc_hex}, cnonce=\"{cnonce}\", qop=auth");
        } else if self.sess {
            // -sess without qop (RFC 2617 leaves it undefined): HA1 used the
            // cnonce, so the server needs it to check the response.
            let _ = write!(out, ", cnonce=\"{cnonce}\"");
        }
        let _ = write!(out, ", response=\"{response}\"");
        if let Some(opaque) = &self.opaque {
            let _ = write!(out, ", opaque=\"{}\"", quote(opaque));
        }
        if self.userhash {
            out.push_str(", userhash=true");
        }
        out
    }
}

/// What the response hash covers, besides the challenge.
pub(crate) struct Credentials<'a> {
    pub(crate) username: &'a str,
    pub(crate) password: &'a str,
    pub(crate) method: &'a str,
    /// The request-target: path and query, as sent.
    pub(crate) uri: &'a str,
}

impl std::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("method", &self.method)
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

/// RFC 5987 attr-char: everything else is percent-encoded.
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

fn needs_extended(s: &str) -> bool {
    s.bytes()
        .any(|b| !(0x20..0x7f).contains(&b) || b == b'"' || b == b'\\')
}

/// Escapes a value for a quoted-string.
fn quote(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['"', '\\']) {
        s.replace('\\', "\\\\").replace('"', "\\\"").into()
    } else {
        s.into()
    }
}

/// Splits a `WWW-Authenticate` value into challenges: `(scheme, params)`.
/// Handles several challenges in one value, quoted strings with escapes and
/// token68 forms (kept as a param with an empty name).
fn parse_challenges(value: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize, set: &[u8]| {
        while *i < bytes.len() && set.contains(&bytes[*i]) {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && !b" \t,=\"".contains(&bytes[*i]) {
            *i += 1;
        }
        value[start..*i].to_owned()
    };
    while i < bytes.len() {
        skip(&mut i, b" \t,");
        if i >= bytes.len() {
            break;
        }
        let name = token(&mut i);
        if name.is_empty() {
            // A stray character (a lone `=` or `"`): skip it.
            i += 1;
            continue;
        }
        skip(&mut i, b" \t");
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            skip(&mut i, b" \t");
            let val = if i < bytes.len() && bytes[i] == b'"' {
                i += 1;
                let mut val = String::new();
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        i += 1;
                    }
                    // Push whole UTF-8 characters.
                    let ch = value[i..].chars().next().expect("in bounds");
                    val.push(ch);
                    i += ch.len_utf8();
                }
                i += 1;
                val
            } else {
                token(&mut i)
            };
            match out.last_mut() {
                Some((_, params)) => params.push((name, val)),
                None => continue,
            }
        } else {
            // A token not followed by `=` starts a new challenge.
            out.push((name, Vec::new()));
        }
    }
    out
}

/// The last challenge seen per origin and the nonce count used with it, so
/// later requests to the same origin answer up front (nc 2, 3, ...).
#[derive(Debug, Default)]
pub(crate) struct DigestCache {
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
struct Entry {
    challenge: Challenge,
    nc: u32,
}

impl DigestCache {
    /// Remembers `challenge` for `origin`; the count restarts for a new nonce.
    pub(crate) fn store(&self, origin: &str, challenge: Challenge) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get_mut(origin) {
            Some(entry) if entry.challenge.nonce == challenge.nonce => {
                entry.challenge = challenge;
            }
            _ => {
                entries.insert(origin.to_owned(), Entry { challenge, nc: 0 });
            }
        }
    }

    /// An `Authorization` value for `origin` from its remembered challenge,
    /// with the next nonce count, or `None` if no challenge is known.
    pub(crate) fn authorize(&self, origin: &str, creds: &Credentials<'_>) -> Option<HeaderValue> {
        let (challenge, nc) = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let entry = entries.get_mut(origin)?;
            entry.nc = entry.nc.wrapping_add(1);
            (entry.challenge.clone(), entry.nc)
        };
        let cnonce = new_cnonce();
        let mut value = HeaderValue::from_str(&challenge.answer(creds, nc, &cnonce)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

fn new_cnonce() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 section 3.9.1.
    const RFC_CHALLENGE_PARAMS: &str = r#"realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
    const RFC_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    fn rfc_creds() -> Credentials<'static> {
        Credentials {
            username: "Mufasa",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
        }
    }

    fn challenge(value: &str) -> Challenge {
        let mut headers = HeaderMap::new();
        headers.insert(WWW_AUTHENTICATE, HeaderValue::from_str(value).unwrap());
        Challenge::from_headers(&headers).unwrap()
    }

    fn param<'a>(header: &'a str, name: &str) -> &'a str {
        let start = header.find(&format!(" {name}=")).unwrap() + name.len() + 2;
        let rest = &header[start..];
        let rest = rest.strip_prefix('"').unwrap_or(rest);
        &rest[..rest.find(['"', ',']).unwrap_or(rest.len())]
    }

    #[test]
    fn credentials_debug_hides_the_password() {
        let shown = format!("{:?}", rfc_creds());
        assert!(shown.contains("Mufasa"), "{shown}");
        assert!(!shown.contains("Circle"), "{shown}");
    }

    #[test]
    fn rfc7616_3_9_1_md5_and_sha256_vectors() {
        let md5 = challenge(&format!("Digest {RFC_CHALLENGE_PARAMS}, algorithm=MD5"));
        let header = md5.answer(&rfc_creds(), 1, RFC_CNONCE);
        assert_eq!(
            param(&header, "response"),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
        assert_eq!(param(&header, "nc"), "00000001");
        assert_eq!(
            param(&header, "opaque"),
            "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
        );

        let sha = challenge(&format!("Digest {RFC_CHALLENGE_PARAMS}, algorithm=SHA-256"));
        let header = sha.answer(&rfc_creds(), 1, RFC_CNONCE);
        assert_eq!(
            param(&header, "response"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
        assert!(header.contains("algorithm=SHA-256"));
        assert!(header.contains("qop=auth,") || header.contains("qop=auth"));
    }

    #[test]
    fn rfc2617_legacy_vector_without_qop() {
        // RFC 2069 section 2.4 (with its erratum): no qop, response = MD5(HA1:nonce:HA2).
        let c = challenge(
            r#"Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093""#,
        );
        let creds = Credentials {
            username: "Mufasa",
            password: "CircleOfLife",
            method: "GET",
            uri: "/dir/index.html",
        };
        let header = c.answer(&creds, 1, "ignored");
        assert_eq!(
            param(&header, "response"),
            "1949323746fe6a43ef61f9606e7febea"
        );
        assert!(!header.contains("nc=") && !header.contains("cnonce"));
    }

    #[test]
    fn picks_the_first_supported_digest_challenge_among_several() {
        let c = challenge(
            r#"Basic realm="x", Digest realm="r", nonce="n1", algorithm=SHA-999, Digest realm="r", nonce="n2", algorithm=SHA-256-sess, qop="auth""#,
        );
        assert_eq!(c.nonce, "n2");
        assert_eq!((c.hash, c.sess, c.qop_auth), (Hash::Sha256, true, true));
    }

    #[test]
    fn unsupported_challenges_are_not_answered() {
        let mut headers = HeaderMap::new();
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Digest realm="r", nonce="n", qop="auth-int""#),
        );
        assert!(Challenge::from_headers(&headers).is_none());
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="r""#),
        );
        assert!(Challenge::from_headers(&headers).is_none());
    }

    #[test]
    fn quoted_strings_unescape_and_stale_is_read() {
        let c = challenge(r#"Digest realm="a \"q\" b", nonce="x,y", stale=TRUE"#);
        assert_eq!(c.realm, r#"a "q" b"#);
        assert_eq!(c.nonce, "x,y");
        assert!(c.stale);
        let header = c.answer(&rfc_creds(), 1, "c");
        assert!(header.contains(r#"realm="a \"q\" b""#));
    }

    #[test]
    fn sess_variant_rehashes_ha1_with_nonce_and_cnonce() {
        let plain = challenge(r#"Digest realm="r", nonce="n", qop=auth, algorithm=MD5"#);
        let sess = challenge(r#"Digest realm="r", nonce="n", qop=auth, algorithm=MD5-sess"#);
        let creds = rfc_creds();
        let h = |s: &str| Hash::Md5.hex(s.as_bytes());
        let ha1 = h(&format!("{}:n:cn", h("Mufasa:r:Circle of Life")));
        let ha2 = h("GET:/dir/index.html");
        let expected = h(&format!("{ha1}:n:00000001:cn:auth:{ha2}"));
        assert_eq!(param(&sess.answer(&creds, 1, "cn"), "response"), expected);
        assert_ne!(param(&plain.answer(&creds, 1, "cn"), "response"), expected);
    }

    #[test]
    fn userhash_and_non_ascii_usernames() {
        let c = challenge(r#"Digest realm="r", nonce="n", qop=auth, userhash=true"#);
        let creds = Credentials {
            username: "Jäsøn",
            ..rfc_creds()
        };
        let header = c.answer(&creds, 1, "c");
        assert_eq!(
            param(&header, "username"),
            Hash::Md5.hex("Jäsøn:r".as_bytes())
        );
        assert!(header.ends_with("userhash=true"));

        let c = challenge(r#"Digest realm="r", nonce="n", qop=auth"#);
        let header = c.answer(&creds, 1, "c");
        assert!(
            header.starts_with("Digest username*=UTF-8''J%C3%A4s%C3%B8n,"),
            "{header}"
        );
    }

    #[test]
    fn cache_counts_per_nonce_and_restarts_for_a_new_one() {
        let cache = DigestCache::default();
        let creds = rfc_creds();
        assert!(cache.authorize("http://a", &creds).is_none());
        cache.store(
            "http://a",
            challenge(r#"Digest realm="r", nonce="n1", qop=auth"#),
        );
        let nc = |v: HeaderValue| param(v.to_str().unwrap(), "nc").to_owned();
        assert_eq!(nc(cache.authorize("http://a", &creds).unwrap()), "00000001");
        assert_eq!(nc(cache.authorize("http://a", &creds).unwrap()), "00000002");
        cache.store(
            "http://a",
            challenge(r#"Digest realm="r", nonce="n1", qop=auth"#),
        );
        assert_eq!(nc(cache.authorize("http://a", &creds).unwrap()), "00000003");
        cache.store(
            "http://a",
            challenge(r#"Digest realm="r", nonce="n2", qop=auth"#),
        );
        assert_eq!(nc(cache.authorize("http://a", &creds).unwrap()), "00000001");
        assert!(cache.authorize("http://b", &creds).is_none());
        // cnonces are fresh each time.
        let a = cache.authorize("http://a", &creds).unwrap();
        let b = cache.authorize("http://a", &creds).unwrap();
        assert_ne!(
            param(a.to_str().unwrap(), "cnonce"),
            param(b.to_str().unwrap(), "cnonce")
        );
    }
}
