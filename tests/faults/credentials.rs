//! Fault scenarios: credentials. URL userinfo becomes Basic auth and never
//! shows up again (wire, URLs, errors, Debug); secret headers print as
//! `Sensitive`; a `.netrc` `default` entry stays off plain http; multipart
//! names cannot break their quoted string; absurd lengths are builder errors.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use treq::{HttpClient, HyperAgent, Part};

use crate::support::bounded;
use crate::support::server::RawServer;
use crate::support::server::{reply, Server, ServerRequest};

/// Every secret the URLs below carry; none may appear anywhere shown.
const SECRETS: [&str; 4] = ["alice", "hunter2", "carol", "s3cr3t"];

fn assert_clean(what: &str, shown: &str) {
    for secret in SECRETS {
        assert!(!shown.contains(secret), "{what} shows {secret:?}: {shown}");
    }
}

/// Display, `{:?}`, `{:#?}` and `url()` of an error.
fn assert_error_clean(err: &treq::Error) {
    assert_clean("error Display", &err.to_string());
    assert_clean("error Debug", &format!("{err:?}"));
    assert_clean("error pretty Debug", &format!("{err:#?}"));
    if let Some(url) = err.url() {
        assert_clean("Error::url", url.as_str());
    }
}

/// A response, its URL, its request as sent and its whole history.
fn assert_response_clean(resp: &treq::Response) {
    assert_clean("Response Debug", &format!("{resp:?}"));
    assert_clean("Response::url", resp.url().as_str());
    if let Some(sent) = resp.request() {
        assert_clean("SentRequest Debug", &format!("{sent:?}"));
        assert_clean("SentRequest::uri", &sent.uri().to_string());
        if let Some(url) = sent.url() {
            assert_clean("SentRequest::url", url.as_str());
        }
    }
    for hop in resp.history() {
        assert_response_clean(hop);
    }
}

fn basic(user: &str, pass: &str) -> String {
    use base64::Engine as _;
    let raw = format!("{user}:{pass}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// A server that keeps every request and answers with `answer`.
fn capture(
    answer: impl Fn(&ServerRequest) -> crate::support::server::ServerResponse + Send + Sync + 'static,
) -> (Server, Arc<Mutex<Vec<ServerRequest>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store = seen.clone();
    let server = Server::http(move |req| {
        let resp = answer(&req);
        store.lock().unwrap().push(req);
        async move { resp }
    });
    (server, seen)
}

/// `http://alice:hunter2@127.0.0.1:PORT{path}`.
fn with_userinfo(server: &Server, userinfo: &str, path: &str) -> String {
    server
        .url(path)
        .replacen("http://", &format!("http://{userinfo}@"), 1)
}

#[tokio::test]
async fn userinfo_becomes_basic_auth_and_leaves_the_request_line() {
    bounded("userinfo on the wire", async {
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let tx = Mutex::new(tx);
        let raw = RawServer::start(move |mut stream| {
            let tx = tx.lock().unwrap().clone();
            async move {
                use tokio::io::AsyncWriteExt;
                let head = crate::support::wire::read_head(&mut stream).await;
                let _ = tx.send(head);
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            }
        });
        let url = raw
            .url("/p?q=1")
            .replacen("http://", "http://alice:hunter2@", 1);
        let resp = treq::get(&url).await.unwrap();
        assert_eq!(resp.code(), 200);
        let head = String::from_utf8(rx.recv().unwrap()).unwrap();
        let lower = head.to_ascii_lowercase();
        assert!(lower.starts_with("get /p?q=1 http/1.1\r\n"), "{head}");
        assert!(
            lower.contains(
                &format!("\r\nauthorization: {}\r\n", basic("alice", "hunter2"))
                    .to_ascii_lowercase()
            ),
            "{head}"
        );
        // Nothing but the base64 of the Authorization value names the user.
        let without_auth = head.replace(&basic("alice", "hunter2"), "");
        assert_clean("request head", &without_auth);
        assert_response_clean(&resp);
    })
    .await;
}

#[tokio::test]
async fn userinfo_is_percent_decoded_and_explicit_auth_wins() {
    bounded("userinfo precedence", async {
        let (server, seen) = capture(|_| reply(200, "ok"));
        let client = HttpClient::new(HyperAgent::new());
        let auth_of = |i: usize| {
            seen.lock().unwrap()[i]
                .header("authorization")
                .map(str::to_owned)
        };
        // `%40` and `%3A` are a literal `@` and `:` in the credentials.
        client
            .get(with_userinfo(&server, "al%20ice:p%40ss%3Aw", "/"))
            .await
            .unwrap();
        assert_eq!(auth_of(0).unwrap(), basic("al ice", "p@ss:w"));
        // A user name alone is sent with an empty password, as curl does.
        client
            .get(with_userinfo(&server, "alice", "/"))
            .await
            .unwrap();
        assert_eq!(auth_of(1).unwrap(), basic("alice", ""));
        // `auth` wins over the URL.
        client
            .get(with_userinfo(&server, "alice:hunter2", "/"))
            .auth(("bob", "pw"))
            .await
            .unwrap();
        assert_eq!(auth_of(2).unwrap(), basic("bob", "pw"));
        // So does an explicit Authorization header.
        client
            .get(with_userinfo(&server, "alice:hunter2", "/"))
            .header("Authorization", "Bearer t")
            .await
            .unwrap();
        assert_eq!(auth_of(3).unwrap(), "Bearer t");
        // A client-wide default Authorization is less specific than the URL.
        let defaults = HttpClient::builder(HyperAgent::new())
            .default_headers([("Authorization", "Bearer default")])
            .build();
        defaults
            .get(with_userinfo(&server, "alice:hunter2", "/"))
            .await
            .unwrap();
        assert_eq!(auth_of(4).unwrap(), basic("alice", "hunter2"));
    })
    .await;
}

#[tokio::test]
async fn no_password_in_a_connection_refused_error() {
    bounded("connection refused", async {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("http://alice:hunter2@127.0.0.1:{port}/x");
        let client = HttpClient::new(HyperAgent::new());
        let builder = client.get(&url).header("X-Other", "1");
        assert_clean("RequestBuilder Debug", &format!("{builder:?}"));
        assert_clean("RequestBuilder pretty Debug", &format!("{builder:#?}"));
        let err = builder.await.unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        assert_eq!(
            err.url().unwrap().as_str(),
            format!("http://127.0.0.1:{port}/x")
        );
        assert_error_clean(&err);
        // Builder errors name the URL too.
        let err = client.request("BAD METHOD", &url).await.unwrap_err();
        assert!(err.is_builder(), "{err:?}");
        assert_error_clean(&err);
        let err = treq::get("http://alice:hunter2@exa mple.com/")
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{err:?}");
        assert_error_clean(&err);
        // An error given a URL by the caller drops the userinfo as well.
        let err = err.with_url(treq::Url::parse("http://alice:hunter2@h/").unwrap());
        assert_eq!(err.url().unwrap().as_str(), "http://h/");
    })
    .await;
}

#[tokio::test]
async fn no_password_in_a_bad_status_error() {
    bounded("error_for_status", async {
        let (server, _) = capture(|_| reply(500, "boom"));
        let resp = treq::get(with_userinfo(&server, "alice:hunter2", "/fail"))
            .await
            .unwrap();
        assert_response_clean(&resp);
        let err = resp.error_for_status().unwrap_err();
        assert!(err.is_status(), "{err:?}");
        assert_error_clean(&err);
    })
    .await;
}

/// Redirects from `/hop` to a URL with other credentials, then to `/final`.
fn redirector(target: Arc<Mutex<String>>) -> (Server, Arc<Mutex<Vec<ServerRequest>>>) {
    capture(move |req| match req.uri.path() {
        "/hop" => http::Response::builder()
            .status(302)
            .header("location", target.lock().unwrap().as_str())
            .body(crate::support::server::full(""))
            .unwrap(),
        "/loop" => http::Response::builder()
            .status(302)
            .header("location", "/loop")
            .body(crate::support::server::full(""))
            .unwrap(),
        _ => reply(200, "done"),
    })
}

#[tokio::test]
async fn no_password_in_redirect_errors_or_history() {
    bounded("redirect errors", async {
        let target = Arc::new(Mutex::new(String::new()));
        let (server, _) = redirector(target.clone());
        *target.lock().unwrap() = with_userinfo(&server, "carol:s3cr3t", "/final");
        let client = HttpClient::new(HyperAgent::new());

        // Refused: a POST answered with 302 names the (credential-free) target.
        let err = client
            .post(with_userinfo(&server, "alice:hunter2", "/hop"))
            .data("x")
            .await
            .unwrap_err();
        assert!(err.is_redirect(), "{err:?}");
        assert_error_clean(&err);
        match err.kind() {
            treq::error::ErrorKind::RedirectRefused {
                location: Some(location),
                ..
            } => assert_eq!(location.as_str(), server.url("/final")),
            other => panic!("{other:?}"),
        }

        // Too many: the history of the error.
        let err = client
            .get(with_userinfo(&server, "alice:hunter2", "/loop"))
            .max_redirects(2)
            .await
            .unwrap_err();
        assert_error_clean(&err);
        let history = err.history().expect("a history");
        assert_eq!(history.len(), 3);
        for hop in history {
            assert_response_clean(hop);
        }

        // Followed: the final response, its request and its history.
        let resp = client
            .get(with_userinfo(&server, "alice:hunter2", "/hop"))
            .await
            .unwrap();
        assert_eq!(resp.url().as_str(), server.url("/final"));
        assert_eq!(resp.history().len(), 1);
        assert_eq!(resp.history()[0].url().as_str(), server.url("/hop"));
        assert_response_clean(&resp);
    })
    .await;
}

#[tokio::test]
async fn a_redirect_target_with_userinfo_uses_it_for_the_next_hop() {
    bounded("userinfo in Location", async {
        let target = Arc::new(Mutex::new(String::new()));
        let (server, seen) = redirector(target.clone());
        let client = HttpClient::new(HyperAgent::new());
        let auth_at = |i: usize| {
            seen.lock().unwrap()[i]
                .header("authorization")
                .map(str::to_owned)
        };

        // Same origin, new credentials: the Location's replace the URL's.
        *target.lock().unwrap() = with_userinfo(&server, "carol:s3cr3t", "/final");
        client
            .get(with_userinfo(&server, "alice:hunter2", "/hop"))
            .await
            .unwrap();
        assert_eq!(auth_at(0).unwrap(), basic("alice", "hunter2"));
        assert_eq!(auth_at(1).unwrap(), basic("carol", "s3cr3t"));
        assert_eq!(seen.lock().unwrap()[1].uri.path(), "/final");

        // Another origin (`localhost` is not `127.0.0.1`): the first
        // credentials are dropped, the Location's own are used.
        *target.lock().unwrap() = server.url_with_host("localhost", "/final").replacen(
            "http://",
            "http://carol:s3cr3t@",
            1,
        );
        let resp = client
            .get(with_userinfo(&server, "alice:hunter2", "/hop"))
            .await
            .unwrap();
        assert_eq!(auth_at(3).unwrap(), basic("carol", "s3cr3t"));
        assert_eq!(
            seen.lock().unwrap()[3].header("host").unwrap(),
            format!("localhost:{}", server.addr().port())
        );
        assert_response_clean(&resp);

        // Another origin without credentials: nothing is sent.
        *target.lock().unwrap() = server.url_with_host("localhost", "/final");
        client
            .get(with_userinfo(&server, "alice:hunter2", "/hop"))
            .await
            .unwrap();
        assert_eq!(auth_at(5), None);
    })
    .await;
}

#[tokio::test]
async fn secret_headers_print_as_sensitive_everywhere() {
    bounded("sensitive headers", async {
        let (server, _) = capture(|_| reply(200, "ok"));
        let client = HttpClient::builder(HyperAgent::new())
            .default_headers([("X-Api-Key", "default-key-1")])
            .sensitive_headers(["X-Api-Key"])
            .build();
        let secrets = [
            "default-key-1",
            "bearer-token-2",
            "proxy-pw-3",
            "request-key-4",
            "jar-cookie-5",
        ];
        let clean = |what: &str, shown: &str| {
            for secret in secrets {
                assert!(!shown.contains(secret), "{what} shows {secret:?}: {shown}");
            }
            assert!(shown.contains("Sensitive"), "{what}: {shown}");
        };
        clean("HttpClient Debug", &format!("{client:?}"));

        let builder = client
            .get(server.url("/"))
            .header("Authorization", "Bearer bearer-token-2")
            .header("Proxy-Authorization", "Basic proxy-pw-3")
            .header("x-api-key", "request-key-4")
            .header("X-Visible", "shown-6")
            .cookies([("jar", "jar-cookie-5")]);
        let shown = format!("{builder:?}");
        clean("RequestBuilder Debug", &shown);
        assert!(shown.contains("shown-6"), "{shown}");

        let resp = builder.await.unwrap();
        let sent = resp.request().unwrap();
        // The values go out as given...
        assert_eq!(sent.headers()["authorization"], "Bearer bearer-token-2");
        assert!(sent.headers()["cookie"]
            .to_str()
            .unwrap()
            .contains("jar=jar-cookie-5"));
        // ...and print as `Sensitive`.
        for name in [
            "authorization",
            "proxy-authorization",
            "x-api-key",
            "cookie",
        ] {
            assert!(sent.headers()[name].is_sensitive(), "{name}");
        }
        clean("SentRequest Debug", &format!("{sent:?}"));

        // Credentials from `auth` too.
        let resp = client
            .get(server.url("/"))
            .auth(("u", "hunter2"))
            .await
            .unwrap();
        let sent = format!("{:?}", resp.request().unwrap());
        assert!(!sent.contains(&basic("u", "hunter2")[6..]), "{sent}");
    })
    .await;
}

#[tokio::test]
async fn a_netrc_default_entry_stays_off_plain_http() {
    bounded("netrc default over http", async {
        let dir = std::env::temp_dir().join(format!("treq-faults-netrc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("netrc");
        std::fs::write(
            &path,
            "machine 127.0.0.1 login known password k\ndefault login anon password guest\n",
        )
        .unwrap();
        let (server, seen) = capture(|_| reply(200, "ok"));
        let client = HttpClient::builder(HyperAgent::new())
            .netrc_file(&path)
            .build();
        // A host with its own entry gets it, even over http (it was named).
        client.get(server.url("/")).await.unwrap();
        // Any other host would get `default`: not over plain http.
        client
            .get(server.url_with_host("localhost", "/"))
            .await
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0].header("authorization"),
            Some(basic("known", "k").as_str())
        );
        assert_eq!(seen[1].header("authorization"), None);
    })
    .await;
}

/// Sends one text field and one file part named `name` (the file called
/// `filename`), and returns the request as the server saw it.
async fn send_multipart(name: &str, filename: &str) -> ServerRequest {
    let (server, seen) = capture(|_| reply(200, "ok"));
    treq::post(server.url("/"))
        .form([(name, "field value")])
        .files([(name, Part::bytes("file body").filename(filename))])
        .form([("after", "still here")])
        .await
        .unwrap();
    let req = seen.lock().unwrap().pop().unwrap();
    req
}

/// `(name, filename, content)` of each part, as `multer` reads them.
async fn multer_parts(req: &ServerRequest) -> Vec<(Option<String>, Option<String>, Bytes)> {
    let boundary = multer::parse_boundary(req.header("content-type").unwrap()).unwrap();
    let body = req.body.clone();
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Some(field) = multipart.next_field().await.unwrap() {
        let name = field.name().map(str::to_owned);
        let filename = field.file_name().map(str::to_owned);
        out.push((name, filename, field.bytes().await.unwrap()));
    }
    out
}

#[tokio::test]
async fn multipart_quotes_and_line_breaks_are_percent_encoded() {
    bounded("multipart quotes", async {
        let req = send_multipart("a\"b\r\nc", "f\"; name=\"evil\r\n.txt").await;
        let body = String::from_utf8_lossy(&req.body).into_owned();
        assert!(
            body.contains("Content-Disposition: form-data; name=\"a%22b%0D%0Ac\"\r\n\r\nfield value"),
            "{body}"
        );
        assert!(
            body.contains(
                "Content-Disposition: form-data; name=\"a%22b%0D%0Ac\"; filename=\"f%22; name=%22evil%0D%0A.txt\"\r\n"
            ),
            "{body}"
        );
        // An independent parser sees the same three parts, nothing injected.
        let parts = multer_parts(&req).await;
        let names: Vec<_> = parts.iter().map(|p| p.0.as_deref()).collect();
        assert_eq!(names, [Some("a%22b%0D%0Ac"), Some("after"), Some("a%22b%0D%0Ac")]);
        assert_eq!(parts[2].1.as_deref(), Some("f%22; name=%22evil%0D%0A.txt"));
        assert_eq!(parts[2].2, "file body");
    })
    .await;
}

#[tokio::test]
async fn multipart_names_ending_in_a_backslash_keep_their_quotes_closed() {
    bounded("multipart backslash", async {
        let req = send_multipart("dir\\", "C:\\tmp\\").await;
        let body = String::from_utf8_lossy(&req.body).into_owned();
        // Inner backslashes go as they are (Windows paths, as browsers send
        // them); a trailing one would escape the closing quote for parsers
        // that read quoted-pairs, so it is percent-encoded.
        assert!(
            body.contains(
                "Content-Disposition: form-data; name=\"dir%5C\"; filename=\"C:\\tmp%5C\"\r\n"
            ),
            "{body}"
        );
        let parts = multer_parts(&req).await;
        let names: Vec<_> = parts.iter().map(|p| p.0.as_deref()).collect();
        assert_eq!(names, [Some("after"), Some("dir%5C"), Some("dir%5C")]);
        assert_eq!(parts[2].1.as_deref(), Some("C:\\tmp%5C"));
        assert_eq!(parts[0].2, "still here");
    })
    .await;
}

#[tokio::test]
async fn lengths_near_u64_max_are_builder_errors() {
    bounded("huge lengths", async {
        let (server, seen) = capture(|_| reply(200, "ok"));
        let never = || futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        // One part that claims the whole range: adding the part headers overflows.
        let err = treq::post(server.url("/"))
            .files([("a", Part::stream_with_length(never(), u64::MAX))])
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{err:?}");
        assert!(err.to_string().contains("length"), "{err}");
        // Two parts whose sum overflows.
        let err = treq::post(server.url("/"))
            .files([
                ("a", Part::stream_with_length(never(), u64::MAX / 2 + 1)),
                ("b", Part::stream_with_length(never(), u64::MAX / 2 + 1)),
            ])
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{err:?}");
        assert_eq!(seen.lock().unwrap().len(), 0, "nothing was sent");
    })
    .await;
}
