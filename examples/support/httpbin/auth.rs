//! `/basic-auth`, `/hidden-basic-auth`, `/bearer` and `/digest-auth` (the
//! server side of RFC 7616: MD5, SHA-256, SHA-512 and their `-sess` forms;
//! qop `auth`, `auth-int` or none).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use base64::Engine as _;
use http::{header, HeaderValue};
use md5::Md5;
use serde_json::json;
use sha2::{Digest as _, Sha256, Sha512};

use super::{bad_request, json_response, respond, Req, Resp};

const REALM: &str = "me@treq.example";

fn authenticated(user: &str) -> Resp {
    json_response(200, &json!({ "authenticated": true, "user": user }))
}

fn challenge(status: u16, value: &str) -> Resp {
    let mut resp = respond(status, "text/html; charset=utf-8", "");
    if let Ok(value) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    resp
}

/// `/basic-auth/{user}/{passwd}`; `fail_status` is 404 for the hidden variant.
pub(super) fn basic(req: &Req, user: &str, passwd: &str, fail_status: u16) -> Resp {
    let given = req
        .header("authorization")
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        });
    if given.as_deref() == Some(format!("{user}:{passwd}").as_bytes()) {
        return authenticated(user);
    }
    if fail_status == 401 {
        challenge(401, "Basic realm=\"Fake Realm\"")
    } else {
        respond(fail_status, "text/html; charset=utf-8", "")
    }
}

/// `/bearer`: any bearer token is accepted and echoed.
pub(super) fn bearer(req: &Req) -> Resp {
    match req
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        Some(token) => json_response(200, &json!({ "authenticated": true, "token": token })),
        None => challenge(401, "Bearer"),
    }
}

/// The nonces this process has handed out; a response must use one of them.
fn nonces() -> &'static Mutex<HashSet<String>> {
    static NONCES: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    NONCES.get_or_init(Default::default)
}

fn new_nonce() -> String {
    let seed = format!(
        "{:?}-{}",
        std::time::SystemTime::now(),
        super::payload::random_index(usize::MAX)
    );
    let nonce = hex(&Md5::digest(seed.as_bytes()));
    nonces().lock().expect("nonce set").insert(nonce.clone());
    nonce
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes with the algorithm's function (without its `-sess` suffix).
fn hash(algorithm: &str, data: &str) -> Option<String> {
    let base = algorithm
        .trim_end_matches("-sess")
        .trim_end_matches("-SESS");
    Some(match base.to_ascii_uppercase().as_str() {
        "MD5" => hex(&Md5::digest(data.as_bytes())),
        "SHA-256" => hex(&Sha256::digest(data.as_bytes())),
        "SHA-512" => hex(&Sha512::digest(data.as_bytes())),
        _ => return None,
    })
}

/// Splits `Digest k=v, k2="v, 2"` into pairs, honouring quotes and `\` escapes.
fn parse_params(input: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = input.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    _ => value.push(c),
                }
            }
            (value, &quoted[end..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        out.push((key, value));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    out
}

/// RFC 7616: an absent `algorithm` means MD5.
fn same_algorithm(given: &str, wanted: &str) -> bool {
    given.eq_ignore_ascii_case(wanted) || (given.is_empty() && wanted.eq_ignore_ascii_case("MD5"))
}

/// `/digest-auth/{qop}/{user}/{passwd}/{algorithm}`.
pub(super) fn digest(req: &Req, qop: &str, user: &str, passwd: &str, algorithm: &str) -> Resp {
    if hash(algorithm, "").is_none() {
        return bad_request(&format!("unsupported digest algorithm {algorithm}"));
    }
    let qop = match qop {
        "auth" | "auth-int" => Some(qop),
        _ => None,
    };
    let ask = || {
        let qop_part = qop.map(|q| format!(", qop=\"{q}\"")).unwrap_or_default();
        let opaque = hex(&Md5::digest(REALM.as_bytes()));
        challenge(
            401,
            &format!(
                "Digest realm=\"{REALM}\", nonce=\"{}\", opaque=\"{opaque}\"{qop_part}, algorithm={algorithm}, stale=FALSE",
                new_nonce()
            ),
        )
    };
    let Some(params) = req
        .header("authorization")
        .and_then(|v| v.strip_prefix("Digest "))
        .map(parse_params)
    else {
        return ask();
    };
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let request_uri = req.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let nonce = get("nonce");
    let known_nonce = nonces().lock().expect("nonce set").contains(nonce);
    if get("username") != user
        || get("realm") != REALM
        || get("uri") != request_uri
        || !known_nonce
        || !same_algorithm(get("algorithm"), algorithm)
    {
        return ask();
    }
    let h = |data: &str| hash(algorithm, data).expect("algorithm checked above");
    let cnonce = get("cnonce");
    let mut ha1 = h(&format!("{user}:{REALM}:{passwd}"));
    if algorithm.to_ascii_lowercase().ends_with("-sess") {
        ha1 = h(&format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = match qop {
        Some("auth-int") => {
            let body = h(std::str::from_utf8(&req.body).unwrap_or(""));
            h(&format!("{}:{request_uri}:{body}", req.method))
        }
        _ => h(&format!("{}:{request_uri}", req.method)),
    };
    let expected = match qop {
        Some(qop) => {
            if get("qop") != qop {
                return ask();
            }
            h(&format!("{ha1}:{nonce}:{}:{cnonce}:{qop}:{ha2}", get("nc")))
        }
        None => h(&format!("{ha1}:{nonce}:{ha2}")),
    };
    if get("response") == expected {
        authenticated(user)
    } else {
        ask()
    }
}
