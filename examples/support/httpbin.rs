//! PLACEHOLDER (branch cookies-redirects): a minimal httpbin-like server with
//! only the endpoints the redirect and cookie examples need. The examples-ci
//! branch owns the full `examples/support/httpbin.rs`; keep its interface:
//! `pub fn start() -> String` starts the server on 127.0.0.1:0 on a background
//! thread and returns its base URL (no trailing slash).
//!
//! Endpoints: `/get`, `/redirect/N` (relative), `/absolute-redirect/N`,
//! `/cookies`, `/cookies/set?k=v` (sets the cookies, then 302 to `/cookies`).
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Map, Value};

type Resp = http::Response<Full<Bytes>>;

/// Starts the server and returns its base URL, e.g. `http://127.0.0.1:40123`.
pub fn start() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|req| async move {
                        Ok::<_, Infallible>(handle(req))
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    base
}

fn json_response(value: &Value) -> Resp {
    http::Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            serde_json::to_vec_pretty(value).unwrap_or_default(),
        )))
        .unwrap_or_default()
}

fn redirect(location: &str) -> Resp {
    http::Response::builder()
        .status(302)
        .header("location", location)
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}

fn cookies_of(req: &http::Request<Incoming>) -> Map<String, Value> {
    req.headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.to_owned(), Value::from(v)))
        .collect()
}

fn handle(req: http::Request<Incoming>) -> Resp {
    let path = req.uri().path().to_owned();
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let args: Map<String, Value> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
            .collect();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["get"] => {
            let headers: Map<String, Value> = req
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        Value::from(String::from_utf8_lossy(v.as_bytes())),
                    )
                })
                .collect();
            json_response(
                &json!({"args": args, "headers": headers, "url": format!("http://{host}{}", req.uri())}),
            )
        }
        ["redirect", n] | ["absolute-redirect", n] => {
            let n: u32 = n.parse().unwrap_or(1);
            let prefix = if parts[0] == "redirect" {
                String::new()
            } else {
                format!("http://{host}")
            };
            if n <= 1 {
                redirect(&format!("{prefix}/get"))
            } else {
                redirect(&format!("{prefix}/{}/{}", parts[0], n - 1))
            }
        }
        ["cookies"] => json_response(&json!({"cookies": cookies_of(&req)})),
        ["cookies", "set"] => {
            let mut resp = redirect("/cookies");
            for (k, v) in &args {
                let cookie = format!("{k}={}; Path=/", v.as_str().unwrap_or(""));
                if let Ok(value) = http::HeaderValue::from_str(&cookie) {
                    resp.headers_mut().append("set-cookie", value);
                }
            }
            resp
        }
        _ => http::Response::builder()
            .status(404)
            .body(Full::new(Bytes::from_static(b"not found")))
            .unwrap_or_default(),
    }
}
