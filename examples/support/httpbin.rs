//! PLACEHOLDER (branch auth-decompress): a minimal stand-in for the embedded
//! httpbin that the examples-ci branch is building in this same file. It has
//! only what the auth and decompression examples need:
//! `/basic-auth/{user}/{pass}`, `/digest-auth/{qop}/{user}/{pass}/{algorithm}`
//! (qop `auth`; algorithm MD5, SHA-256, SHA-512-256, each optionally `-sess`),
//! `/gzip`, `/deflate` and `/brotli`. Replace it with the full version when
//! merging; keep `pub fn start() -> String`.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use md5::Md5;
use sha2::{Digest, Sha256, Sha512_256};
use tokio::io::AsyncReadExt;

/// Starts the server on 127.0.0.1 (its own thread and runtime) and returns its
/// base URL, e.g. `http://127.0.0.1:41234`.
pub fn start() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("local addr");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|req| async move {
                        Ok::<_, Infallible>(handle(req).await)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    format!("http://{addr}")
}

type Resp = http::Response<Full<Bytes>>;

fn json(status: u16, value: serde_json::Value) -> Resp {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(value.to_string())))
        .expect("valid response")
}

async fn handle(req: http::Request<Incoming>) -> Resp {
    let path = req.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    match segments.as_slice() {
        ["basic-auth", user, pass] => {
            let expected = format!("{user}:{pass}");
            let given = auth
                .strip_prefix("Basic ")
                .and_then(|b| {
                    use base64_lite::decode;
                    decode(b)
                })
                .unwrap_or_default();
            if given == expected.as_bytes() {
                json(
                    200,
                    serde_json::json!({"authenticated": true, "user": user}),
                )
            } else {
                let mut resp = json(401, serde_json::json!({"authenticated": false}));
                resp.headers_mut().insert(
                    "www-authenticate",
                    http::HeaderValue::from_static("Basic realm=\"Fake Realm\""),
                );
                resp
            }
        }
        ["digest-auth", "auth", user, pass, algorithm] => {
            let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
            if digest_ok(&auth, req.method().as_str(), target, user, pass, algorithm) {
                json(
                    200,
                    serde_json::json!({"authenticated": true, "user": user}),
                )
            } else {
                static NONCES: AtomicU64 = AtomicU64::new(0);
                let nonce = NONCES.fetch_add(1, Ordering::Relaxed);
                let challenge = format!(
                    "Digest realm=\"me@kennethreitz.com\", nonce=\"n{nonce:016x}\", \
                     qop=\"auth\", opaque=\"0paque\", algorithm={algorithm}, stale=FALSE"
                );
                let mut resp = json(401, serde_json::json!({"authenticated": false}));
                resp.headers_mut()
                    .insert("www-authenticate", challenge.parse().expect("ascii"));
                resp
            }
        }
        ["gzip"] | ["deflate"] | ["brotli"] => {
            let name = segments[0];
            let body = serde_json::json!({ format!("{name}{}", if name == "brotli" { "" } else { "ped" }): true, "method": req.method().as_str() })
                .to_string();
            let mut out = Vec::new();
            let data = body.as_bytes();
            use async_compression::tokio::bufread as enc;
            let (coding, result) = match name {
                "gzip" => (
                    "gzip",
                    enc::GzipEncoder::new(data).read_to_end(&mut out).await,
                ),
                "deflate" => (
                    "deflate",
                    enc::ZlibEncoder::new(data).read_to_end(&mut out).await,
                ),
                _ => (
                    "br",
                    enc::BrotliEncoder::new(data).read_to_end(&mut out).await,
                ),
            };
            result.expect("in-memory encoding");
            http::Response::builder()
                .header("content-type", "application/json")
                .header("content-encoding", coding)
                .body(Full::new(Bytes::from(out)))
                .expect("valid response")
        }
        _ => json(404, serde_json::json!({"error": "not found"})),
    }
}

/// Checks an `Authorization: Digest` header (qop=auth) against the credentials.
fn digest_ok(
    header: &str,
    method: &str,
    target: &str,
    user: &str,
    pass: &str,
    algorithm: &str,
) -> bool {
    let Some(rest) = header.strip_prefix("Digest ") else {
        return false;
    };
    let mut params = std::collections::HashMap::new();
    for part in split_params(rest) {
        if let Some((k, v)) = part.split_once('=') {
            params.insert(k.trim().to_owned(), v.trim().trim_matches('"').to_owned());
        }
    }
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    let h = |s: String| -> String {
        let upper = algorithm.to_ascii_uppercase();
        if upper.starts_with("SHA-512-256") {
            format!("{:x}", Sha512_256::digest(s.as_bytes()))
        } else if upper.starts_with("SHA-256") {
            format!("{:x}", Sha256::digest(s.as_bytes()))
        } else {
            format!("{:x}", Md5::digest(s.as_bytes()))
        }
    };
    let (nonce, cnonce, nc) = (get("nonce"), get("cnonce"), get("nc"));
    let mut ha1 = h(format!("{user}:{}:{pass}", get("realm")));
    if algorithm.to_ascii_lowercase().ends_with("-sess") {
        ha1 = h(format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = h(format!("{method}:{target}"));
    get("username") == user
        && get("uri") == target
        && get("response") == h(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
}

/// Splits on commas outside quotes.
fn split_params(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Standard base64 decoding, enough for `Basic` credentials.
mod base64_lite {
    pub(super) fn decode(s: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut acc = 0u32;
        let mut bits = 0;
        for c in s.trim_end_matches('=').bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => return None,
            };
            acc = acc << 6 | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        Some(out)
    }
}
