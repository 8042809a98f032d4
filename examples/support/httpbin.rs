//! An embedded httpbin-like server for the examples, so they run with no network.
//!
//! `start()` binds `127.0.0.1:0`, serves HTTP/1.1 and HTTP/2 (prior knowledge)
//! from a background thread with its own tokio runtime, and returns the base URL
//! (`http://127.0.0.1:PORT`). The server lives until the process exits.
//!
//! Examples include it with
//! `#[path = "support/httpbin.rs"] mod httpbin;` (cargo does not build
//! `examples/support/` as an example because it has no `main.rs`).
//!
//! The JSON answers are shaped like the real httpbin's (`args`, `headers`,
//! `origin`, `url`, `data`, `files`, `form`, `json`), so an example gives the
//! same output against this server and against `TREQ_HTTPBIN_URL`/a real one.
//! Endpoints: `/get`, `/post`, `/put`, `/patch`, `/delete`, `/anything[/..]`,
//! `/headers`, `/ip`, `/user-agent`, `/status/{code}`, `/basic-auth/{u}/{p}`,
//! `/hidden-basic-auth/{u}/{p}`, `/bearer`,
//! `/digest-auth/{qop}/{u}/{p}[/{algorithm}]`, `/redirect/{n}`,
//! `/relative-redirect/{n}`, `/absolute-redirect/{n}`, `/redirect-to`,
//! `/cookies`, `/cookies/set`, `/cookies/set/{k}/{v}`, `/cookies/delete`,
//! `/gzip`, `/deflate`, `/brotli`, `/encoding/utf8`, `/bytes/{n}`,
//! `/stream/{n}`, `/stream-bytes/{n}`, `/drip`, `/delay/{n}`, `/image/png`,
//! `/response-headers`.
#![allow(dead_code)] // each example uses a different part of the server

#[path = "httpbin/auth.rs"]
mod auth;
#[path = "httpbin/form.rs"]
mod form;
#[path = "httpbin/payload.rs"]
mod payload;

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{header, HeaderMap, Method, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Map, Value};

/// The response type every endpoint returns.
type Resp = Response<BoxBody<Bytes, std::io::Error>>;

/// Starts the server on a background thread and returns its base URL,
/// e.g. `http://127.0.0.1:41234` (no trailing slash).
pub(crate) fn start() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let addr = listener.local_addr().expect("local address");
    std::thread::Builder::new()
        .name("httpbin".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("httpbin runtime");
            rt.block_on(serve(listener));
        })
        .expect("spawn httpbin thread");
    format!("http://{addr}")
}

async fn serve(listener: std::net::TcpListener) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |req: http::Request<Incoming>| async move {
                    Ok::<_, Infallible>(handle(req, peer).await)
                });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            // A client hanging up mid-response is normal (e.g. a timeout example).
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A request with its body read, as the endpoints see it.
struct Req {
    method: Method,
    uri: http::Uri,
    headers: HeaderMap,
    body: Bytes,
    peer: SocketAddr,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn query(&self) -> Vec<(String, String)> {
        let q = self.uri.query().unwrap_or("");
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn query_value(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The full URL as the client asked for it (`http://HOST/path?query`).
    fn url(&self) -> String {
        let host = self
            .header("host")
            .map(str::to_owned)
            .or_else(|| self.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "127.0.0.1".into());
        let pq = self.uri.path_and_query().map_or("/", |pq| pq.as_str());
        format!("http://{host}{pq}")
    }

    fn origin(&self) -> String {
        self.peer.ip().to_string()
    }

    /// httpbin's `headers` object: Title-Cased names, repeated values joined by `,`.
    fn headers_json(&self) -> Value {
        let mut out = Map::new();
        for name in self.headers.keys() {
            let joined = self
                .headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>()
                .join(",");
            out.insert(title_case(name.as_str()), Value::String(joined));
        }
        if let Some(authority) = self.uri.authority() {
            // HTTP/2 carries the host in :authority, not in a Host header.
            out.entry("Host")
                .or_insert_with(|| Value::String(authority.to_string()));
        }
        Value::Object(out)
    }

    fn args_json(&self) -> Value {
        multi_map(self.query())
    }

    /// The shape of `/get`: args, headers, origin, url.
    fn get_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("args".into(), self.args_json());
        m.insert("headers".into(), self.headers_json());
        m.insert("origin".into(), self.origin().into());
        m.insert("url".into(), self.url().into());
        m
    }

    /// The shape of `/post` and friends: get_json plus data, files, form, json.
    async fn body_json(&self) -> Result<Map<String, Value>, BadRequest> {
        let mut m = self.get_json();
        let parsed = form::parse_body(self.header("content-type"), &self.body)
            .await
            .map_err(BadRequest)?;
        m.insert("data".into(), parsed.data.into());
        m.insert("files".into(), multi_map(parsed.files));
        m.insert("form".into(), multi_map(parsed.form));
        m.insert("json".into(), parsed.json);
        Ok(m)
    }
}

/// `content-type` -> `Content-Type`, `x-blah` -> `X-Blah`.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// httpbin's multi-dict rendering: one value -> a string, several -> a list.
fn multi_map(pairs: Vec<(String, String)>) -> Value {
    let mut out: Map<String, Value> = Map::new();
    for (k, v) in pairs {
        match out.get_mut(&k) {
            None => {
                out.insert(k, Value::String(v));
            }
            Some(Value::Array(list)) => list.push(Value::String(v)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(v)]);
            }
        }
    }
    Value::Object(out)
}

fn full(body: impl Into<Bytes>) -> BoxBody<Bytes, std::io::Error> {
    Full::new(body.into())
        .map_err(|never| match never {})
        .boxed()
}

fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Resp {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(full(body))
        .expect("valid response")
}

fn json_response(status: u16, value: &Value) -> Resp {
    let mut text = serde_json::to_string_pretty(value).expect("JSON serializes");
    text.push('\n');
    respond(status, "application/json", text)
}

fn not_found() -> Resp {
    respond(404, "text/html; charset=utf-8", "<h1>Not Found</h1>\n")
}

/// Why a request gets a 400 answer (kept small: a `Resp` is large to return).
struct BadRequest(String);

impl BadRequest {
    fn new(why: &str) -> Self {
        BadRequest(why.to_owned())
    }

    fn into_response(self) -> Resp {
        bad_request(&self.0)
    }
}

fn bad_request(why: &str) -> Resp {
    respond(400, "text/plain; charset=utf-8", format!("{why}\n"))
}

fn method_not_allowed() -> Resp {
    respond(
        405,
        "text/html; charset=utf-8",
        "<h1>Method Not Allowed</h1>\n",
    )
}

fn redirect(status: u16, location: &str) -> Resp {
    let mut resp = respond(status, "text/html; charset=utf-8", "Redirecting...\n");
    if let Ok(value) = location.parse() {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    resp
}

/// Parses a path segment as a number, or answers 400.
fn number<T: std::str::FromStr>(segment: &str) -> Result<T, BadRequest> {
    segment
        .parse()
        .map_err(|_| BadRequest(format!("not a number: {segment}")))
}

async fn handle(req: http::Request<Incoming>, peer: SocketAddr) -> Resp {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return bad_request(&format!("could not read the request body: {e}")),
    };
    let req = Req {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body,
        peer,
    };
    route(&req).await.unwrap_or_else(BadRequest::into_response)
}

/// Dispatches on the path. `Err` is a 400 answer.
async fn route(req: &Req) -> Result<Resp, BadRequest> {
    let path = req.uri.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let m = &req.method;
    let resp = match segments.as_slice() {
        ["get"] => only(m, &[Method::GET, Method::HEAD], || {
            json_response(200, &Value::Object(req.get_json()))
        }),
        ["post"] => body_endpoint(req, Method::POST).await?,
        ["put"] => body_endpoint(req, Method::PUT).await?,
        ["patch"] => body_endpoint(req, Method::PATCH).await?,
        ["delete"] => body_endpoint(req, Method::DELETE).await?,
        ["anything", ..] => {
            let mut value = req.body_json().await?;
            value.insert("method".into(), m.as_str().into());
            json_response(200, &Value::Object(value))
        }
        ["headers"] => json_response(200, &json!({ "headers": req.headers_json() })),
        ["ip"] => json_response(200, &json!({ "origin": req.origin() })),
        ["user-agent"] => json_response(200, &json!({ "user-agent": req.header("user-agent") })),
        ["status", codes] => status(codes)?,
        ["basic-auth", user, passwd] => auth::basic(req, user, passwd, 401),
        ["hidden-basic-auth", user, passwd] => auth::basic(req, user, passwd, 404),
        ["bearer"] => auth::bearer(req),
        ["digest-auth", qop, user, passwd] => auth::digest(req, qop, user, passwd, "MD5"),
        ["digest-auth", qop, user, passwd, algorithm] => {
            auth::digest(req, qop, user, passwd, algorithm)
        }
        ["redirect", n] => relative_redirect(number(n)?, "relative-redirect"),
        ["relative-redirect", n] => relative_redirect(number(n)?, "relative-redirect"),
        ["absolute-redirect", n] => absolute_redirect(req, number(n)?),
        ["redirect-to"] => redirect_to(req)?,
        ["cookies"] => json_response(200, &json!({ "cookies": cookies_json(req) })),
        ["cookies", "set"] => set_cookies(req.query()),
        ["cookies", "set", name, value] => {
            set_cookies(vec![((*name).to_owned(), (*value).to_owned())])
        }
        ["cookies", "delete"] => delete_cookies(req),
        ["gzip"] => payload::compressed(req, "gzip"),
        ["deflate"] => payload::compressed(req, "deflate"),
        ["brotli"] => payload::compressed(req, "br"),
        ["encoding", "utf8"] => respond(200, "text/html; charset=utf-8", payload::UTF8_DEMO),
        ["bytes", n] => payload::bytes(req, number(n)?),
        ["stream", n] => payload::stream_json(req, number(n)?),
        ["stream-bytes", n] => payload::stream_bytes(req, number(n)?)?,
        ["drip"] => payload::drip(req).await?,
        ["delay", n] => {
            let secs: f64 = number(n)?;
            if secs.is_finite() && secs > 0.0 {
                tokio::time::sleep(std::time::Duration::from_secs_f64(secs.min(10.0))).await;
            }
            json_response(200, &Value::Object(req.body_json().await?))
        }
        ["image", "png"] => respond(200, "image/png", payload::PNG_1X1),
        ["response-headers"] => response_headers(req),
        _ => not_found(),
    };
    Ok(resp)
}

/// Runs `f` if the method is allowed, else 405.
fn only(method: &Method, allowed: &[Method], f: impl FnOnce() -> Resp) -> Resp {
    if allowed.contains(method) {
        f()
    } else {
        method_not_allowed()
    }
}

/// `/post`, `/put`, `/patch`, `/delete`: echo the body for the one allowed method.
async fn body_endpoint(req: &Req, allowed: Method) -> Result<Resp, BadRequest> {
    if req.method != allowed {
        return Ok(method_not_allowed());
    }
    Ok(json_response(200, &Value::Object(req.body_json().await?)))
}

const TEAPOT: &str = r#"
    -=[ teapot ]=-

       _...._
     .'  _ _ `.
    | ."` ^ `". _,
    \_;`"---"`|//
      |       ;/
      \_     _/
        `"""`
"#;

/// `/status/418` or `/status/200,404` (one of the listed codes, at random).
fn status(codes: &str) -> Result<Resp, BadRequest> {
    let list: Vec<&str> = codes.split(',').collect();
    let pick = list[payload::random_index(list.len())];
    let code: u16 = number(pick)?;
    if StatusCode::from_u16(code).is_err() {
        return Err(BadRequest::new(&format!("invalid status code: {code}")));
    }
    Ok(match code {
        418 => {
            let mut resp = respond(418, "text/plain", TEAPOT);
            resp.headers_mut().insert(
                "x-more-info",
                http::HeaderValue::from_static("http://tools.ietf.org/html/rfc2324"),
            );
            resp
        }
        301 | 302 | 303 | 305 | 307 => redirect(code, "/redirect/1"),
        401 => {
            let mut resp = respond(401, "text/html; charset=utf-8", "");
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Basic realm=\"Fake Realm\""),
            );
            resp
        }
        _ => respond(code, "text/html; charset=utf-8", ""),
    })
}

/// `/redirect/n`: relative Location headers down to `/get`.
fn relative_redirect(n: u32, prefix: &str) -> Resp {
    match n {
        0 => bad_request("n must be at least 1"),
        1 => redirect(302, "/get"),
        _ => redirect(302, &format!("/{prefix}/{}", n - 1)),
    }
}

/// `/absolute-redirect/n`: absolute Location headers down to `/get`.
fn absolute_redirect(req: &Req, n: u32) -> Resp {
    let base = req.url();
    let base = &base[..base.len() - req.uri.path_and_query().map_or(0, |pq| pq.as_str().len())];
    match n {
        0 => bad_request("n must be at least 1"),
        1 => redirect(302, &format!("{base}/get")),
        _ => redirect(302, &format!("{base}/absolute-redirect/{}", n - 1)),
    }
}

/// `/redirect-to?url=...&status_code=307`.
fn redirect_to(req: &Req) -> Result<Resp, BadRequest> {
    let url = req
        .query_value("url")
        .ok_or_else(|| BadRequest::new("missing url parameter"))?;
    let code = match req.query_value("status_code") {
        Some(code) => number(&code)?,
        None => 302,
    };
    if !(300..400).contains(&code) {
        return Err(BadRequest::new("status_code must be 3xx"));
    }
    Ok(redirect(code, &url))
}

/// The request's cookies as a JSON object (from every `Cookie` header).
fn cookies_json(req: &Req) -> Value {
    let mut out = Map::new();
    for value in req.headers.get_all(header::COOKIE) {
        let text = String::from_utf8_lossy(value.as_bytes());
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                out.insert(k.to_owned(), Value::String(v.to_owned()));
            }
        }
    }
    Value::Object(out)
}

fn set_cookies(pairs: Vec<(String, String)>) -> Resp {
    let mut resp = redirect(302, "/cookies");
    for (k, v) in pairs {
        if let Ok(value) = format!("{k}={v}; Path=/").parse() {
            resp.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    resp
}

fn delete_cookies(req: &Req) -> Resp {
    let mut resp = redirect(302, "/cookies");
    for (k, _) in req.query() {
        let expired = format!("{k}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/");
        if let Ok(value) = expired.parse() {
            resp.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    resp
}

/// `/response-headers?k=v`: sets each pair as a header and echoes them as JSON.
fn response_headers(req: &Req) -> Resp {
    let pairs = req.query();
    let mut echo = pairs.clone();
    echo.push(("Content-Type".into(), "application/json".into()));
    let mut resp = json_response(200, &multi_map(echo));
    for (k, v) in pairs {
        match (
            http::HeaderName::from_bytes(k.as_bytes()),
            http::HeaderValue::from_str(&v),
        ) {
            (Ok(name), Ok(value)) => {
                resp.headers_mut().append(name, value);
            }
            _ => return bad_request(&format!("invalid header {k}: {v}")),
        }
    }
    resp
}
