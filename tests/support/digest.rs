//! Server side of HTTP Digest authentication (RFC 7616), written independently
//! of the client in `treq/src/auth/digest.rs` so the tests check one against
//! the other: its own header parser, hashing through the `digest` crates'
//! hex formatting, and RFC 7616's replay rule (the nonce count must grow).
//!
//! Include with `#[path = "support/digest.rs"] mod digest;`.
#![allow(dead_code, unreachable_pub)]

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use md5::Md5;
use sha2::{Digest, Sha256, Sha512_256};

/// One protected realm: credentials, algorithm, qop, and the nonces issued.
pub struct DigestServer {
    pub realm: String,
    pub username: String,
    pub password: String,
    /// `MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess`, `SHA-512-256(-sess)`.
    pub algorithm: String,
    /// `Some("auth")` for RFC 7616 qop, `None` for the RFC 2069 form.
    pub qop: Option<String>,
    /// Sent as `opaque`; the client must echo it.
    pub opaque: String,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    issued: u64,
    /// Highest nonce count seen per nonce (replay protection).
    counts: HashMap<String, u32>,
    /// Nonces that expired: answered with `stale=true`.
    stale: HashSet<String>,
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Digest` at all.
    Missing,
    /// A nonce we expired: challenge again with `stale=true`.
    Stale,
    /// Anything else, with the reason.
    Wrong(String),
}

impl DigestServer {
    pub fn new(username: &str, password: &str, algorithm: &str, qop: Option<&str>) -> Self {
        DigestServer {
            realm: "treq-tests@127.0.0.1".into(),
            username: username.into(),
            password: password.into(),
            algorithm: algorithm.into(),
            qop: qop.map(Into::into),
            opaque: "c29tZSBvcGFxdWUgZGF0YQ==".into(),
            state: Mutex::default(),
        }
    }

    /// A fresh `WWW-Authenticate` value with a new nonce.
    pub fn challenge(&self, stale: bool) -> String {
        let mut state = self.state.lock().unwrap();
        state.issued += 1;
        let nonce = format!("nonce-{}-{}", state.issued, self.algorithm);
        let mut value = format!(
            "Digest realm=\"{}\", nonce=\"{nonce}\", opaque=\"{}\", algorithm={}",
            self.realm, self.opaque, self.algorithm
        );
        if let Some(qop) = &self.qop {
            value.push_str(&format!(", qop=\"{qop}\""));
        }
        if stale {
            value.push_str(", stale=true");
        }
        value
    }

    /// Expires every nonce issued so far (the next use gets `stale=true`).
    pub fn expire_nonces(&self) {
        let mut state = self.state.lock().unwrap();
        let known: Vec<String> = state.counts.keys().cloned().collect();
        state.stale.extend(known);
    }

    /// Checks an `Authorization` header for `method` and `target` (path?query);
    /// returns the nonce count used.
    pub fn verify(&self, method: &str, target: &str, header: Option<&str>) -> Result<u32, Refusal> {
        let header = header.ok_or(Refusal::Missing)?;
        let rest = header.strip_prefix("Digest ").ok_or(Refusal::Missing)?;
        let params = parse_params(rest);
        let get = |k: &str| params.get(k).map(String::as_str);
        let wrong = |why: &str| Refusal::Wrong(why.to_owned());

        let nonce = get("nonce").ok_or_else(|| wrong("no nonce"))?;
        if get("username") != Some(self.username.as_str()) {
            return Err(wrong("username"));
        }
        if get("realm") != Some(self.realm.as_str()) {
            return Err(wrong("realm"));
        }
        if get("uri") != Some(target) {
            return Err(wrong("uri differs from the request-target"));
        }
        if get("opaque") != Some(self.opaque.as_str()) {
            return Err(wrong("opaque not echoed"));
        }
        if get("algorithm").is_some_and(|a| a != self.algorithm) {
            return Err(wrong("algorithm"));
        }
        let hash = |data: String| -> String {
            let alg = self.algorithm.to_ascii_uppercase();
            if alg.starts_with("SHA-512-256") {
                format!("{:x}", Sha512_256::digest(data.as_bytes()))
            } else if alg.starts_with("SHA-256") {
                format!("{:x}", Sha256::digest(data.as_bytes()))
            } else {
                format!("{:x}", Md5::digest(data.as_bytes()))
            }
        };
        let sess = self.algorithm.to_ascii_lowercase().ends_with("-sess");
        let cnonce = get("cnonce").unwrap_or("");
        let mut ha1 = hash(format!(
            "{}:{}:{}",
            self.username, self.realm, self.password
        ));
        if sess {
            ha1 = hash(format!("{ha1}:{nonce}:{cnonce}"));
        }
        let ha2 = hash(format!("{method}:{target}"));
        let (expected, nc) = match &self.qop {
            Some(qop) => {
                if get("qop") != Some(qop.as_str()) {
                    return Err(wrong("qop"));
                }
                let nc_text = get("nc").ok_or_else(|| wrong("no nc"))?;
                if nc_text.len() != 8 || cnonce.is_empty() {
                    return Err(wrong("nc must be 8 hex digits with a cnonce"));
                }
                let nc = u32::from_str_radix(nc_text, 16).map_err(|_| wrong("nc not hex"))?;
                (
                    hash(format!("{ha1}:{nonce}:{nc_text}:{cnonce}:{qop}:{ha2}")),
                    nc,
                )
            }
            None => {
                if get("qop").is_some() || get("nc").is_some() {
                    return Err(wrong("qop sent although none was offered"));
                }
                (hash(format!("{ha1}:{nonce}:{ha2}")), 0)
            }
        };
        if get("response") != Some(expected.as_str()) {
            return Err(wrong("response hash"));
        }
        let mut state = self.state.lock().unwrap();
        if state.stale.contains(nonce) {
            return Err(Refusal::Stale);
        }
        let issued = (1..=state.issued).any(|i| nonce == format!("nonce-{i}-{}", self.algorithm));
        if !issued {
            return Err(wrong("unknown nonce"));
        }
        let last = state.counts.entry(nonce.to_owned()).or_insert(0);
        if self.qop.is_some() && nc <= *last {
            return Err(wrong("nonce count did not increase (replay)"));
        }
        *last = nc;
        Ok(nc)
    }
}

/// `key=value, key="quoted \" value"` pairs.
fn parse_params(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.insert(key.trim().to_owned(), value.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 section 3.9.1, verified by this server-side code.
    #[test]
    fn rfc7616_example_verifies() {
        for (alg, response) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            (
                "SHA-256",
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
        ] {
            let mut server = DigestServer::new("Mufasa", "Circle of Life", alg, Some("auth"));
            server.realm = "http-auth@example.org".into();
            server.opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS".into();
            let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
            let header = format!(
                "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", \
                 algorithm={alg}, nonce=\"{nonce}\", nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", \
                 qop=auth, response=\"{response}\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
            );
            // The RFC nonce was not issued by this server: everything up to the
            // nonce bookkeeping must pass.
            assert_eq!(
                server.verify("GET", "/dir/index.html", Some(&header)),
                Err(Refusal::Wrong("unknown nonce".into()))
            );
            let bad = header.replace(response, "0000");
            assert_eq!(
                server.verify("GET", "/dir/index.html", Some(&bad)),
                Err(Refusal::Wrong("response hash".into()))
            );
        }
    }
}
