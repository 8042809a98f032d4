//! A small httpbin-like router shared by the redirect and cookie tests.
//!
//! - `/redirect/N`: 302 to the relative `/redirect/N-1`, then `/echo`
//! - `/absolute-redirect/N`: the same with absolute URLs (from the Host header)
//! - `/status/CODE?to=URL`: CODE with `Location: URL` (none without `to`)
//! - `/loop`: 302 to itself
//! - `/set-cookie?c=RAW[&c=RAW2][&to=URL]`: `Set-Cookie: RAW` each, 302 to `to` if given
//! - `/echo`: 200 and JSON `{method, path, headers: {name: "v1, v2"}, body}`
#![allow(dead_code)]

use serde_json::{json, Map, Value};

use crate::support::server::{full, ServerResponse};
use crate::support::ServerRequest;

fn query(req: &ServerRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.query().as_bytes())
        .into_owned()
        .collect()
}

fn param(req: &ServerRequest, name: &str) -> Option<String> {
    query(req)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

pub(crate) fn echo(req: &ServerRequest) -> Value {
    let mut headers = Map::new();
    for name in req.headers.keys() {
        headers.insert(
            name.as_str().to_owned(),
            Value::from(req.header_all(name.as_str()).join(", ")),
        );
    }
    json!({
        "method": req.method.as_str(),
        "path": req.uri.path(),
        "headers": headers,
        "body": String::from_utf8_lossy(&req.body),
    })
}

fn redirect(code: u16, location: &str) -> http::response::Builder {
    http::Response::builder()
        .status(code)
        .header("location", location)
}

pub(crate) async fn route(req: ServerRequest) -> ServerResponse {
    let path = req.uri.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let host = req.header("host").unwrap_or("").to_owned();
    let body = format!("redirecting from {path}");
    match segments.as_slice() {
        ["redirect", n] | ["absolute-redirect", n] => {
            let n: u32 = n.parse().unwrap();
            let prefix = if segments[0] == "redirect" {
                String::new()
            } else {
                format!("http://{host}")
            };
            let next = if n <= 1 {
                format!("{prefix}/echo")
            } else {
                format!("{prefix}/{}/{}", segments[0], n - 1)
            };
            redirect(302, &next).body(full(body)).unwrap()
        }
        ["status", code] => {
            let mut b = http::Response::builder().status(code.parse::<u16>().unwrap());
            if let Some(to) = param(&req, "to") {
                b = b.header("location", to);
            }
            b.body(full(body)).unwrap()
        }
        ["loop"] => redirect(302, "/loop").body(full(body)).unwrap(),
        ["set-cookie"] => {
            let mut b = match param(&req, "to") {
                Some(to) => redirect(302, &to),
                None => http::Response::builder().status(200),
            };
            for (k, v) in query(&req) {
                if k == "c" {
                    b = b.header("set-cookie", v);
                }
            }
            b.body(full(serde_json::to_vec(&echo(&req)).unwrap()))
                .unwrap()
        }
        _ => http::Response::builder()
            .header("content-type", "application/json")
            .body(full(serde_json::to_vec(&echo(&req)).unwrap()))
            .unwrap(),
    }
}

/// `http://…/set-cookie?c=RAW&to=TO`, RAW and TO query-encoded.
pub(crate) fn set_cookie_path(raw: &[&str], to: Option<&str>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for r in raw {
        q.append_pair("c", r);
    }
    if let Some(to) = to {
        q.append_pair("to", to);
    }
    format!("/set-cookie?{}", q.finish())
}

/// `/status/CODE?to=URL`.
pub(crate) fn status_path(code: u16, to: &str) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("to", to)
        .finish();
    format!("/status/{code}?{q}")
}
