//! PLACEHOLDER written on the `multipart` branch: the `examples-ci` branch
//! builds the real embedded httpbin here. This minimal version has only what
//! `examples/multipart_upload.rs` needs; on merge, keep the examples-ci file.
//!
//! `start()` serves, on 127.0.0.1 from its own thread, `POST /post` answering
//! like httpbin: `{"form": {...}, "files": {...}, "headers": {...}}` for a
//! multipart body (text fields in `form`, file parts as text in `files`).
// `pub` so the including example can call it; the module itself is private there.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};

/// Starts the server and returns its base URL (`http://127.0.0.1:PORT`).
pub fn start() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let addr = listener.local_addr().expect("local address");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the example server");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(handle);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    format!("http://{addr}")
}

async fn handle(req: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let headers: Map<String, Value> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                Value::from(String::from_utf8_lossy(v.as_bytes())),
            )
        })
        .collect();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return Ok(answer(400, json!({"error": e.to_string()}))),
    };
    if parts.uri.path() != "/post" || parts.method != http::Method::POST {
        return Ok(answer(404, json!({"error": "only POST /post here"})));
    }
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (mut form, mut files) = (Map::new(), Map::new());
    if let Ok(boundary) = multer::parse_boundary(content_type) {
        let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_owned();
                    let is_file = field.file_name().is_some();
                    let text = match field.bytes().await {
                        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                        Err(e) => return Ok(answer(400, json!({"error": e.to_string()}))),
                    };
                    // httpbin keeps the last value of a repeated name.
                    let target = if is_file { &mut files } else { &mut form };
                    target.insert(name, Value::from(text));
                }
                Ok(None) => break,
                Err(e) => return Ok(answer(400, json!({"error": e.to_string()}))),
            }
        }
    }
    Ok(answer(
        200,
        json!({"form": form, "files": files, "headers": headers}),
    ))
}

fn answer(status: u16, body: Value) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::from(body.to_string()))
        .expect("a valid response")
}
