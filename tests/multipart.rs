//! Multipart uploads over a loopback server, parsed back with `multer` (an
//! independent parser): fields, filenames, content types, order, lengths,
//! streaming, and the errors for bad combinations.

mod support;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use support::server::{reply, Server, ServerRequest};

/// A server that keeps every request it receives.
fn capture() -> (Server, Arc<Mutex<Vec<ServerRequest>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store = seen.clone();
    let server = Server::http(move |req| {
        store.lock().unwrap().push(req);
        async { reply(200, "ok") }
    });
    (server, seen)
}

fn last(seen: &Mutex<Vec<ServerRequest>>) -> ServerRequest {
    seen.lock()
        .unwrap()
        .last()
        .cloned()
        .expect("the server got a request")
}

/// One parsed part: name, filename, content type, content.
#[derive(Debug, PartialEq)]
struct Parsed {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    content: Vec<u8>,
}

fn parsed(
    name: &str,
    filename: Option<&str>,
    content_type: Option<&str>,
    content: &[u8],
) -> Parsed {
    Parsed {
        name: name.into(),
        filename: filename.map(Into::into),
        content_type: content_type.map(Into::into),
        content: content.to_vec(),
    }
}

/// Parses the request body with multer, using the boundary from its header.
async fn parse(req: &ServerRequest) -> Vec<Parsed> {
    let content_type = req.header("content-type").expect("a Content-Type");
    let boundary = multer::parse_boundary(content_type).expect("a multipart boundary");
    let body = req.body.clone();
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Some(field) = multipart.next_field().await.expect("a well-formed body") {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let content = field.bytes().await.unwrap().to_vec();
        out.push(Parsed {
            name,
            filename,
            content_type,
            content,
        });
    }
    out
}

fn client() -> treq::HttpClient<treq::HyperAgent> {
    treq::HttpClient::new(treq::HyperAgent::new())
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("treq-multipart-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn fields_then_files_sorted_by_name_with_duplicates_in_order() {
    let (server, seen) = capture();
    let resp = client()
        .post(server.url("/post"))
        .form([("b", "2"), ("a", "1"), ("b", "0")])
        .files([
            ("file1", treq::Part::bytes("first").filename("image.png")),
            ("raw", treq::Part::bytes(vec![0u8, 255])),
            ("file1", treq::Part::text("second").filename("notes.txt")),
            (
                "named",
                treq::Part::text("t")
                    .filename("Так себе имя.jpg")
                    .content_type("text/x-custom"),
            ),
        ])
        .await
        .unwrap();
    assert_eq!(resp.code(), 200);

    let req = last(&seen);
    let content_type = req.header("content-type").unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    assert_eq!(
        req.header("content-length"),
        Some(req.body.len().to_string().as_str()),
        "in-memory parts give an exact Content-Length"
    );
    assert_eq!(req.header("transfer-encoding"), None);
    assert_eq!(
        parse(&req).await,
        vec![
            parsed("a", None, None, b"1"),
            parsed("b", None, None, b"2"),
            parsed("b", None, None, b"0"),
            parsed("file1", Some("image.png"), Some("image/png"), b"first"),
            parsed("file1", Some("notes.txt"), Some("text/plain"), b"second"),
            parsed(
                "named",
                Some("Так себе имя.jpg"),
                Some("text/x-custom"),
                b"t"
            ),
            parsed("raw", None, Some("application/octet-stream"), &[0, 255]),
        ]
    );
}

#[tokio::test]
async fn an_empty_files_list_still_sends_multipart() {
    let (server, seen) = capture();
    client()
        .post(server.url("/post"))
        .files(Vec::<(&str, treq::Part)>::new())
        .form([("a", "b")])
        .await
        .unwrap();
    let req = last(&seen);
    assert!(req
        .header("content-type")
        .unwrap()
        .starts_with("multipart/form-data; boundary="));
    assert_eq!(parse(&req).await, vec![parsed("a", None, None, b"b")]);
}

#[tokio::test]
async fn each_request_gets_a_fresh_boundary_and_replaces_a_user_content_type() {
    let (server, seen) = capture();
    for _ in 0..2 {
        client()
            .post(server.url("/post"))
            .header("Content-Type", "text/plain")
            .files([("f", treq::Part::bytes("x"))])
            .await
            .unwrap();
    }
    let seen = seen.lock().unwrap();
    let types: Vec<&str> = seen
        .iter()
        .map(|r| r.header("content-type").unwrap())
        .collect();
    assert!(
        types
            .iter()
            .all(|t| t.starts_with("multipart/form-data; boundary=")),
        "{types:?}"
    );
    assert_ne!(types[0], types[1]);
    assert_eq!(seen[0].header_all("content-type").len(), 1);
}

#[tokio::test]
async fn a_file_from_disk_is_streamed_with_its_content_length() {
    let dir = temp_dir("disk");
    let path = dir.join("data.json");
    // Several read chunks' worth, with content that shows misordering.
    let content: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::write(&path, &content).unwrap();

    let (server, seen) = capture();
    let part = treq::Part::file(&path).await.unwrap();
    assert_eq!(part.length(), Some(content.len() as u64));
    client()
        .post(server.url("/upload"))
        .files([("upload", part)])
        .form([("k", "v")])
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let req = last(&seen);
    assert_eq!(
        req.header("content-length"),
        Some(req.body.len().to_string().as_str())
    );
    assert_eq!(req.header("transfer-encoding"), None);
    let body = String::from_utf8_lossy(&req.body);
    assert!(body.contains(&format!("Content-Length: {}\r\n", content.len())));
    assert_eq!(
        parse(&req).await,
        vec![
            parsed("k", None, None, b"v"),
            parsed(
                "upload",
                Some("data.json"),
                Some("application/json"),
                &content
            ),
        ]
    );
}

#[tokio::test]
async fn a_stream_of_unknown_length_is_sent_chunked() {
    let (server, seen) = capture();
    let chunks = futures_util::stream::iter(
        ["one ", "two ", "three"].map(|s| Ok::<_, std::io::Error>(Bytes::from(s))),
    );
    client()
        .post(server.url("/upload"))
        .files([("s", treq::Part::stream(chunks).filename("s.bin"))])
        .await
        .unwrap();
    let req = last(&seen);
    assert_eq!(req.header("transfer-encoding"), Some("chunked"));
    assert_eq!(req.header("content-length"), None);
    assert!(!String::from_utf8_lossy(&req.body).contains("Content-Length"));
    assert_eq!(
        parse(&req).await,
        vec![parsed(
            "s",
            Some("s.bin"),
            Some("application/octet-stream"),
            b"one two three"
        )]
    );
}

#[tokio::test]
async fn streams_and_readers_of_known_length_keep_the_content_length() {
    let (server, seen) = capture();
    let chunks =
        futures_util::stream::iter(["ab", "cd"].map(|s| Ok::<_, std::io::Error>(Bytes::from(s))));
    client()
        .post(server.url("/upload"))
        .files([
            ("s", treq::Part::stream_with_length(chunks, 4)),
            (
                "r",
                treq::Part::reader(&b"reader bytes"[..], Some(12)).filename("r.txt"),
            ),
        ])
        .await
        .unwrap();
    let req = last(&seen);
    assert_eq!(
        req.header("content-length"),
        Some(req.body.len().to_string().as_str())
    );
    assert_eq!(
        parse(&req).await,
        vec![
            parsed("r", Some("r.txt"), Some("text/plain"), b"reader bytes"),
            parsed("s", None, Some("application/octet-stream"), b"abcd"),
        ]
    );
}

#[tokio::test]
async fn a_failing_stream_fails_the_request() {
    let (server, _seen) = capture();
    let chunks = futures_util::stream::iter([
        Ok(Bytes::from("partial")),
        Err(std::io::Error::other("the disk went away")),
    ]);
    let err = client()
        .post(server.url("/upload"))
        .files([("f", treq::Part::stream_with_length(chunks, 100))])
        .await
        .unwrap_err();
    let chain = error_chain(&err);
    assert!(
        chain.contains("could not read multipart part \"f\""),
        "{chain}"
    );
    assert!(chain.contains("the disk went away"), "{chain}");
}

#[tokio::test]
async fn a_stream_shorter_than_announced_fails_the_request() {
    let (server, _seen) = capture();
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("short"))]);
    let err = client()
        .post(server.url("/upload"))
        .files([("f", treq::Part::stream_with_length(chunks, 100))])
        .await
        .unwrap_err();
    let chain = error_chain(&err);
    // The part's body enforces its declared length; the error names the part.
    assert!(
        chain.contains("could not read multipart part \"f\""),
        "{chain}"
    );
    assert!(
        chain.contains("fewer bytes than its declared length of 100"),
        "{chain}"
    );
}

#[tokio::test]
async fn files_conflict_with_json_and_data() {
    let (server, _seen) = capture();
    let err = client()
        .post(server.url("/"))
        .files([("f", treq::Part::bytes("x"))])
        .json(&serde_json::json!({"a": 1}))
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err:?}");
    assert!(err.to_string().contains("`files`"), "{err}");

    let err = client()
        .post(server.url("/"))
        .data("raw")
        .files([("f", treq::Part::bytes("x"))])
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err:?}");
    assert_eq!(server.accepted(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_bad_content_type_is_a_builder_error_before_sending() {
    let (server, _seen) = capture();
    for bad in ["image/jpég", "no slash"] {
        let err = client()
            .post(server.url("/"))
            .files([("f", treq::Part::bytes("x").content_type(bad))])
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{bad}: {err:?}");
    }
    assert_eq!(server.accepted(), 0);
}

fn error_chain(err: &treq::Error) -> String {
    let mut out = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        out.push_str(" | ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}
