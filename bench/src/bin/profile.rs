//! Fixed-count client loop for instruction counting (not a timing benchmark):
//! `valgrind --tool=callgrind target/release/profile treq 2000` vs `... raw 2000`
//! gives the per-request instruction overhead of the treq stack exactly.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "treq".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (s, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(|_req| async {
                        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(
                            b"Hello, world!",
                        ))))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(s), svc)
                        .await;
                });
            }
        });
    });
    let url = format!("http://{addr}/");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        match which.as_str() {
            "raw" => {
                let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                    .build_http::<Empty<Bytes>>();
                let uri: http::Uri = url.parse().unwrap();
                for _ in 0..n {
                    let resp = client.get(uri.clone()).await.unwrap();
                    let body = resp.into_body().collect().await.unwrap().to_bytes();
                    assert_eq!(body.len(), 13);
                }
            }
            _ => {
                let client = treq::HttpClient::new(treq::HyperAgent::new());
                for _ in 0..n {
                    let body = client.get(&url).await.unwrap().content().await.unwrap();
                    assert_eq!(body.len(), 13);
                }
            }
        }
    });
}
