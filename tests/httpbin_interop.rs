//! Interoperability with the real httpbin (the Python package from PyPI,
//! served by gunicorn), found through `TREQ_HTTPBIN_URL`:
//!
//! ```text
//! pip install httpbin gunicorn
//! gunicorn -b 127.0.0.1:8080 httpbin:app &
//! TREQ_HTTPBIN_URL=http://127.0.0.1:8080 cargo test --test httpbin_interop
//! ```
//!
//! Every test is `#[ignore]`d, so a plain `cargo test` reports them as
//! ignored rather than passed; `./scripts/test` installs httpbin into a
//! virtualenv, starts it, sets the variable and runs them with
//! `--include-ignored`. Run by hand without the variable, a test fails.

use serde_json::{json, Value};
use treq::{HttpClient, HyperAgent};

/// The httpbin base URL. These tests only run when asked for
/// (`--include-ignored`), so a missing variable is a failure, not a skip.
fn httpbin() -> String {
    match std::env::var("TREQ_HTTPBIN_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
        _ => panic!("TREQ_HTTPBIN_URL is not set: run ./scripts/test, which starts httpbin"),
    }
}

fn client() -> HttpClient<HyperAgent> {
    HttpClient::new(HyperAgent::new())
}

async fn json_of(resp: &treq::Response) -> Value {
    let body = resp.content().await.expect("body");
    serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "{} {} is not JSON ({e}): {}",
            resp.code(),
            resp.url(),
            String::from_utf8_lossy(&body)
        )
    })
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn get_with_params() {
    let base = httpbin();
    let resp = client()
        .get(format!("{base}/get?x=0"))
        .params([("foo", vec!["bar", "baz"]), ("q", vec!["a b&c"])])
        .header("X-Treq", "interop")
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    let body = json_of(&resp).await;
    assert_eq!(
        body["args"],
        json!({"x": "0", "foo": ["bar", "baz"], "q": "a b&c"})
    );
    assert_eq!(body["headers"]["X-Treq"], "interop");
    assert_eq!(body["url"], resp.url().as_str());
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn post_json() {
    let base = httpbin();
    let doc = json!({"msg": "Hello!", "n": [1, 2, 3], "nested": {"ok": true}});
    let resp = client()
        .post(format!("{base}/post"))
        .json(&doc)
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    let body = json_of(&resp).await;
    assert_eq!(body["json"], doc);
    assert!(body["headers"]["Content-Type"]
        .as_str()
        .unwrap()
        .starts_with("application/json"));
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn post_form() {
    let base = httpbin();
    let resp = client()
        .post(format!("{base}/post"))
        .form([("a", "1"), ("b", "two words"), ("a", "3")])
        .await
        .unwrap();
    let body = json_of(&resp).await;
    assert_eq!(body["form"], json!({"a": ["1", "3"], "b": "two words"}));
    assert_eq!(
        body["headers"]["Content-Type"],
        "application/x-www-form-urlencoded"
    );
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn post_raw_data_and_empty_body() {
    let base = httpbin();
    let c = client();
    let resp = c
        .put(format!("{base}/put"))
        .data("raw bytes")
        .await
        .unwrap();
    assert_eq!(json_of(&resp).await["data"], "raw bytes");
    // treq sends Content-Length: 0 on an empty POST.
    let resp = c.post(format!("{base}/post")).await.unwrap();
    assert_eq!(json_of(&resp).await["headers"]["Content-Length"], "0");
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn post_multipart_files_and_form() {
    let base = httpbin();
    let resp = client()
        .post(format!("{base}/post"))
        .files([(
            "file1",
            treq::Part::bytes("file contents\n").filename("a.txt"),
        )])
        .form([("k", "v")])
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    let body = json_of(&resp).await;
    assert_eq!(body["files"], json!({"file1": "file contents\n"}));
    assert_eq!(body["form"], json!({"k": "v"}));
    assert!(body["headers"]["Content-Type"]
        .as_str()
        .unwrap()
        .starts_with("multipart/form-data; boundary="));
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn basic_auth() {
    let base = httpbin();
    let c = client();
    let url = format!("{base}/basic-auth/user/passwd");
    let resp = c.get(&url).auth(("user", "passwd")).await.unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(
        json_of(&resp).await,
        json!({"authenticated": true, "user": "user"})
    );
    let resp = c.get(&url).auth(("user", "wrong")).await.unwrap();
    assert_eq!(resp.code(), 401);
}

async fn digest(algorithm: &str) {
    let base = httpbin();
    let c = client();
    let url = format!("{base}/digest-auth/auth/user/passwd/{algorithm}");
    let resp = c
        .get(&url)
        .auth(treq::Auth::digest("user", "passwd"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 200, "digest {algorithm}");
    assert_eq!(
        json_of(&resp).await,
        json!({"authenticated": true, "user": "user"})
    );
    let resp = c
        .get(&url)
        .auth(treq::Auth::digest("user", "wrong"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 401, "a wrong password is refused");
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn digest_auth_md5() {
    digest("MD5").await;
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn digest_auth_sha256() {
    digest("SHA-256").await;
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn relative_redirects_are_followed_with_history() {
    let base = httpbin();
    let resp = client().get(format!("{base}/redirect/3")).await.unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.url().as_str(), format!("{base}/get"));
    let codes: Vec<u16> = resp.history().iter().map(|r| r.code()).collect();
    assert_eq!(codes, [302, 302, 302]);
    assert_eq!(
        resp.history()[0].url().as_str(),
        format!("{base}/redirect/3")
    );
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn absolute_redirects_are_followed_with_history() {
    let base = httpbin();
    let resp = client()
        .get(format!("{base}/absolute-redirect/3"))
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);
    assert_eq!(resp.url().as_str(), format!("{base}/get"));
    assert_eq!(resp.history().len(), 3);
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn redirects_can_be_refused() {
    let base = httpbin();
    let resp = client()
        .get(format!("{base}/redirect/1"))
        .allow_redirects(false)
        .await
        .unwrap();
    assert_eq!(resp.code(), 302);
    assert_eq!(resp.headers()["location"], "/get");
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn cookies_persist_in_the_session() {
    let base = httpbin();
    let c = client();
    // /cookies/set answers 302 to /cookies with Set-Cookie; follow it by hand
    // too, so the check does not depend on redirects.
    let resp = c
        .get(format!("{base}/cookies/set?k=v"))
        .allow_redirects(false)
        .await
        .unwrap();
    assert_eq!(resp.code(), 302);
    let resp = c.get(format!("{base}/cookies")).await.unwrap();
    assert_eq!(json_of(&resp).await["cookies"], json!({"k": "v"}));
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn cookies_set_then_read_through_the_redirect() {
    let base = httpbin();
    let c = client();
    let resp = c.get(format!("{base}/cookies/set?k=v")).await.unwrap();
    assert_eq!(resp.history().len(), 1);
    assert_eq!(resp.history()[0].code(), 302);
    assert_eq!(json_of(&resp).await["cookies"], json!({"k": "v"}));
    assert_eq!(resp.cookies().get("k").as_deref(), Some("v"));
    assert_eq!(c.cookie_jar().get("k").as_deref(), Some("v"));
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn request_cookies_are_sent() {
    let base = httpbin();
    let resp = client()
        .get(format!("{base}/cookies"))
        .cookies([("hello", "world")])
        .await
        .unwrap();
    assert_eq!(json_of(&resp).await["cookies"], json!({"hello": "world"}));
}

async fn decompressed(path: &str, flag: &str) {
    let base = httpbin();
    let resp = client().get(format!("{base}/{path}")).await.unwrap();
    assert_eq!(resp.code(), 200);
    let body = json_of(&resp).await;
    assert_eq!(body[flag], true, "{path}: {body}");
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn gzip_is_decompressed() {
    decompressed("gzip", "gzipped").await;
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn deflate_is_decompressed() {
    decompressed("deflate", "deflated").await;
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn brotli_is_decompressed() {
    decompressed("brotli", "brotli").await;
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn status_418_is_a_response_not_an_error() {
    let base = httpbin();
    let resp = client().get(format!("{base}/status/418")).await.unwrap();
    assert_eq!(resp.code(), 418);
    // The phrase is the server's own (gunicorn says "I'M A TEAPOT").
    assert!(
        resp.phrase().eq_ignore_ascii_case("I'm a teapot"),
        "{}",
        resp.phrase()
    );
    assert!(resp.text().await.unwrap().contains("teapot"));
    let err = resp.error_for_status().unwrap_err();
    assert!(err.is_status());
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn utf8_page_decodes() {
    let base = httpbin();
    let resp = client().get(format!("{base}/encoding/utf8")).await.unwrap();
    assert_eq!(resp.code(), 200);
    let text = resp.text().await.unwrap();
    assert!(
        text.contains("∮ E⋅da = Q"),
        "{}",
        &text[..200.min(text.len())]
    );
    assert!(text.contains("ði ıntəˈnæʃənəl fəˈnɛtık"));
}

#[tokio::test]
#[ignore = "needs httpbin: run ./scripts/test"]
async fn unbuffered_stream_bytes_arrive_whole() {
    let base = httpbin();
    let resp = client()
        .get(format!("{base}/stream-bytes/50000?chunk_size=1000&seed=1"))
        .unbuffered(true)
        .await
        .unwrap();
    let mut total = 0;
    let mut chunks = 0;
    resp.collect(|chunk| {
        total += chunk.len();
        chunks += 1;
    })
    .await
    .unwrap();
    assert_eq!(total, 50000);
    assert!(chunks > 1, "the body arrived in {chunks} chunk(s)");
}
