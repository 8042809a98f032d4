//! `WWW-Authenticate` digest challenges. A well-formed challenge the client
//! supports is answered once, with an `Authorization` that an independent
//! RFC 7616 computation here accepts; anything else is returned as the 401.
//! Whatever the challenge, the request ends after a bounded number of tries
//! and the password never appears on the wire.

use md5::Md5;
use proptest::prelude::*;
use sha2::{Digest as _, Sha256, Sha512_256};
use treq::{Auth, HttpClient};

use crate::harness::{block_on, cases, config, response, Scripted};

const USER: &str = "user";
const TARGET: &str = "/p?q=1";

/// One `name=value` of a generated challenge.
#[derive(Debug, Clone)]
struct Param {
    name: String,
    value: String,
    /// Sent as a quoted-string (else as a token, which the value must be).
    quoted: bool,
}

fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Param {
    fn render(&self) -> String {
        let value = if self.quoted {
            quote(&self.value)
        } else {
            self.value.clone()
        };
        format!("{}={value}", self.name)
    }
}

/// A challenge from its parts, with what a correct client must do with it.
#[derive(Debug, Clone)]
struct Challenge {
    realm: Option<String>,
    nonce: Option<String>,
    opaque: Option<String>,
    algorithm: Option<String>,
    qop: Option<String>,
    stale: bool,
    extra: Vec<Param>,
    order: Vec<usize>,
    /// Letter case of the parameter names and the scheme.
    shout: bool,
    /// A `Basic` challenge on its own line before the digest one.
    basic_first: bool,
    password: String,
}

fn text() -> impl Strategy<Value = String> {
    // Printable ASCII, quotes and backslashes included: what an `Authorization`
    // header value can carry back.
    prop_oneof![3 => "[ -~]{0,16}", 1 => "[a-zA-Z0-9]{1,8}"]
}

fn token_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn algorithm() -> impl Strategy<Value = String> {
    proptest::sample::select(
        &[
            "MD5",
            "md5",
            "MD5-sess",
            "SHA-256",
            "sha-256",
            "SHA-256-sess",
            "SHA-512-256",
            "SHA-512-256-SESS",
            "SHA-1",
            "SHA-512",
            "bogus",
            "",
        ][..],
    )
    .prop_map(str::to_owned)
}

fn qop() -> impl Strategy<Value = String> {
    proptest::sample::select(
        &[
            "auth",
            "AUTH",
            "auth,auth-int",
            "auth-int, auth",
            "auth-int",
            "bogus",
            "",
            " auth ",
        ][..],
    )
    .prop_map(str::to_owned)
}

fn challenge() -> impl Strategy<Value = Challenge> {
    (
        (
            proptest::option::weighted(0.9, text()),
            proptest::option::weighted(0.9, text()),
            proptest::option::of(text()),
            proptest::option::of(algorithm()),
            proptest::option::of(qop()),
            any::<bool>(),
        ),
        proptest::collection::vec(
            (
                "[a-z]{1,6}".prop_filter("not a known parameter", |n| {
                    ![
                        "realm",
                        "nonce",
                        "opaque",
                        "algorithm",
                        "qop",
                        "stale",
                        "userhash",
                        "domain",
                        "charset",
                    ]
                    .contains(&n.as_str())
                }),
                token_text(),
                any::<bool>(),
            )
                .prop_map(|(name, value, quoted)| Param {
                    name,
                    value,
                    quoted,
                }),
            0..3,
        ),
        any::<bool>(),
        any::<bool>(),
        "[a-z]{4}",
    )
        .prop_flat_map(
            |((realm, nonce, opaque, algorithm, qop, stale), extra, shout, basic_first, pw)| {
                let n = 6 + extra.len();
                let order = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
                (
                    Just((
                        realm,
                        nonce,
                        opaque,
                        algorithm,
                        qop,
                        stale,
                        extra,
                        shout,
                        basic_first,
                        pw,
                    )),
                    order,
                )
            },
        )
        .prop_map(
            |(
                (realm, nonce, opaque, algorithm, qop, stale, extra, shout, basic_first, pw),
                order,
            )| {
                Challenge {
                    realm,
                    nonce,
                    opaque,
                    algorithm,
                    qop,
                    stale,
                    extra,
                    order,
                    shout,
                    basic_first,
                    password: format!("pw-SECRET-{pw}"),
                }
            },
        )
}

impl Challenge {
    fn params(&self) -> Vec<Param> {
        let quoted = |name: &str, v: &Option<String>| {
            v.as_ref().map(|value| Param {
                name: name.into(),
                value: value.clone(),
                quoted: true,
            })
        };
        let mut all = vec![
            quoted("realm", &self.realm),
            quoted("nonce", &self.nonce),
            quoted("opaque", &self.opaque),
            // algorithm is a token; an empty one must be quoted to exist.
            self.algorithm.as_ref().map(|a| Param {
                name: "algorithm".into(),
                value: a.clone(),
                quoted: a.is_empty(),
            }),
            quoted("qop", &self.qop),
            self.stale.then(|| Param {
                name: "stale".into(),
                value: "true".into(),
                quoted: false,
            }),
        ];
        all.extend(self.extra.iter().cloned().map(Some));
        self.order
            .iter()
            .filter_map(|&i| all[i].clone())
            .map(|mut p| {
                if self.shout {
                    p.name = p.name.to_ascii_uppercase();
                }
                p
            })
            .collect()
    }

    fn header_lines(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let scheme = if self.shout { "DIGEST" } else { "Digest" };
        let params: Vec<String> = self.params().iter().map(Param::render).collect();
        let mut lines = Vec::new();
        if self.basic_first {
            lines.push((
                b"www-authenticate".to_vec(),
                b"Basic realm=\"basic\"".to_vec(),
            ));
        }
        lines.push((
            b"www-authenticate".to_vec(),
            format!("{scheme} {}", params.join(", ")).into_bytes(),
        ));
        lines
    }

    /// The hash and `-sess` flag, or `None` when the client cannot answer.
    fn answerable(&self) -> Option<(Hash, bool)> {
        self.nonce.as_ref()?;
        if let Some(qop) = &self.qop {
            if !qop
                .split(',')
                .any(|q| q.trim().eq_ignore_ascii_case("auth"))
            {
                return None;
            }
        }
        match self
            .algorithm
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("MD5") => Some((Hash::Md5, false)),
            Some("MD5-SESS") => Some((Hash::Md5, true)),
            Some("SHA-256") => Some((Hash::Sha256, false)),
            Some("SHA-256-SESS") => Some((Hash::Sha256, true)),
            Some("SHA-512-256") => Some((Hash::Sha512_256, false)),
            Some("SHA-512-256-SESS") => Some((Hash::Sha512_256, true)),
            Some(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Hash {
    Md5,
    Sha256,
    Sha512_256,
}

impl Hash {
    fn hex(self, data: &str) -> String {
        let digest: Vec<u8> = match self {
            Hash::Md5 => Md5::digest(data.as_bytes()).to_vec(),
            Hash::Sha256 => Sha256::digest(data.as_bytes()).to_vec(),
            Hash::Sha512_256 => Sha512_256::digest(data.as_bytes()).to_vec(),
        };
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Parses `Digest k=v, k="v", ...` (RFC 7235 auth-params with quoted-pairs).
fn parse_authorization(value: &str) -> Option<Vec<(String, String)>> {
    let rest = value.strip_prefix("Digest ")?;
    let mut chars = rest.chars().peekable();
    let mut out = Vec::new();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            name.push(c);
            chars.next();
        }
        chars.next()?; // '='
        let mut val = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => val.push(chars.next()?),
                    c => val.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                val.push(c);
                chars.next();
            }
        }
        out.push((name, val));
    }
}

/// Checks the `Authorization` the client sent against the challenge.
fn check_answer(ch: &Challenge, hash: Hash, sess: bool, value: &str) -> Result<(), TestCaseError> {
    let params = parse_authorization(value)
        .ok_or_else(|| TestCaseError::fail(format!("unparsable Authorization: {value}")))?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let realm = ch.realm.clone().unwrap_or_default();
    let nonce = ch.nonce.clone().unwrap_or_default();
    prop_assert_eq!(get("username"), Some(USER), "{}", value);
    prop_assert_eq!(get("realm"), Some(realm.as_str()), "{}", value);
    prop_assert_eq!(get("nonce"), Some(nonce.as_str()), "{}", value);
    prop_assert_eq!(get("uri"), Some(TARGET), "{}", value);
    prop_assert_eq!(get("opaque"), ch.opaque.as_deref(), "{}", value);
    prop_assert_eq!(get("algorithm"), ch.algorithm.as_deref(), "{}", value);
    let qop_auth = ch.qop.is_some();
    let cnonce = get("cnonce");
    let mut ha1 = hash.hex(&format!("{USER}:{realm}:{}", ch.password));
    if sess {
        let cnonce = cnonce.ok_or_else(|| TestCaseError::fail("-sess without a cnonce"))?;
        ha1 = hash.hex(&format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = hash.hex(&format!("GET:{TARGET}"));
    let expected = if qop_auth {
        prop_assert_eq!(get("qop"), Some("auth"));
        prop_assert_eq!(get("nc"), Some("00000001"));
        let cnonce = cnonce.ok_or_else(|| TestCaseError::fail("qop=auth without a cnonce"))?;
        hash.hex(&format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}"))
    } else {
        prop_assert_eq!(get("qop"), None);
        hash.hex(&format!("{ha1}:{nonce}:{ha2}"))
    };
    prop_assert_eq!(get("response"), Some(expected.as_str()), "{}", value);
    Ok(())
}

/// Sends a digest request answered by `reply`; returns the response status
/// (or error) and every request the server saw.
fn exchange(
    password: &str,
    reply: impl Fn(usize, &crate::harness::Seen) -> http::Response<treq::Body> + Send + Sync + 'static,
) -> (treq::Result<u16>, Vec<crate::harness::Seen>) {
    let agent = Scripted::new(reply);
    let client = HttpClient::new(agent.clone());
    let result = block_on(async {
        let resp = client
            .get(format!("http://example.test{TARGET}"))
            .auth(Auth::digest(USER, password))
            .await?;
        resp.content().await?;
        Ok(resp.code())
    });
    (result, agent.seen())
}

fn password_hidden(password: &str, seen: &[crate::harness::Seen]) -> Result<(), TestCaseError> {
    for s in seen {
        for (name, value) in &s.headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            prop_assert!(
                !value.contains(password),
                "the password went out in {name}: {value}"
            );
        }
    }
    Ok(())
}

/// A raw or mutated challenge value.
fn raw_challenge() -> impl Strategy<Value = Vec<u8>> {
    let mutated = (
        challenge(),
        proptest::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 1..4),
    )
        .prop_map(|(ch, edits)| {
            let mut bytes = ch.header_lines().pop().unwrap().1;
            for (at, byte, op) in edits {
                let at = at % (bytes.len() + 1);
                match op {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.truncate(at),
                }
            }
            bytes
        });
    prop_oneof![
        3 => mutated,
        1 => proptest::sample::select(&[
            "Digest",
            "Digest ",
            "Digest ,,,",
            "Digest nonce",
            "Digest nonce=",
            "Digest nonce=\"",
            "Digest nonce=\"\\",
            "Digest nonce=\"a\\\"",
            "Digest realm=\"a\", nonce=\"b\", qop=\"auth\", nonce=\"c\"",
            "Basic realm=\"x\", Digest nonce=\"n\", realm=\"r\"",
            "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"",
            "Digest realm=\"\u{e9}t\u{e9}\", nonce=\"n\u{fc}\"",
            "Digest realm=\u{1F600}, nonce=\u{1F600}",
            "Digest =, ==, \"\", nonce=\"n\"",
        ][..])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(config(cases(32)))]

    /// A well-formed challenge is answered iff the client supports it, and
    /// the answer is right.
    #[test]
    fn digest_challenges_are_answered_correctly(ch in challenge()) {
        let lines = ch.header_lines();
        let (result, seen) = exchange(&ch.password, move |i, _| {
            if i == 0 { response(401, &lines, "") } else { response(200, &[], "") }
        });
        prop_assert!(result.is_ok(), "{result:?}");
        password_hidden(&ch.password, &seen)?;
        match ch.answerable() {
            None => {
                prop_assert_eq!(seen.len(), 1, "answered an unsupported challenge: {:?}", ch.header_lines());
                prop_assert_eq!(result.unwrap(), 401);
            }
            Some((hash, sess)) => {
                prop_assert_eq!(seen.len(), 2, "did not answer {:?}", ch.header_lines());
                let value = seen[1].headers.get("authorization").expect("an Authorization header");
                check_answer(&ch, hash, sess, value.to_str().unwrap())?;
            }
        }
    }

    /// A server that challenges every time (stale or not, well-formed or
    /// not) gets at most three requests, then the 401 back.
    #[test]
    fn endless_or_broken_challenges_end(
        values in proptest::collection::vec(raw_challenge(), 1..3),
        stale in any::<bool>(),
    ) {
        let mut lines: Vec<_> = values.into_iter().map(|v| (b"www-authenticate".to_vec(), v)).collect();
        if stale {
            lines.push((b"www-authenticate".to_vec(), b"Digest realm=\"r\", nonce=\"n\", stale=true".to_vec()));
        }
        let password = "pw-SECRET-zz";
        let (result, seen) = exchange(password, move |_, _| response(401, &lines, ""));
        prop_assert!(result.is_ok(), "{result:?}");
        prop_assert_eq!(result.unwrap(), 401);
        prop_assert!(seen.len() <= 3, "{} requests", seen.len());
        password_hidden(password, &seen)?;
    }
}
