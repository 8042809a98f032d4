//! Proxies: real tinyproxy (HTTP forward proxy, CONNECT, Basic auth) and
//! microsocks (SOCKS5, username/password) in front of loopback servers, and
//! in-process fakes for what a real proxy will not do (close mid-CONNECT,
//! answer a SOCKS greeting with garbage, never answer).

mod support;

use http::Version;
use support::proxies::{free_port, microsocks, pipe, tinyproxy, PipeProxy};
use support::server::{reply, Server};
use support::tls::TestPki;
use support::{bounded, ServerRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use treq::agent::{HyperAgent, NoProxy, RootStore};
use treq::{HttpClient, Proxy};

const TINYPROXY: &str = "needs tinyproxy: run ./scripts/test";
const MICROSOCKS: &str = "needs microsocks: run ./scripts/test";

/// What the origin saw: the `Via` a forward proxy adds, any
/// `Proxy-Authorization`, and the request target.
fn echo(req: &ServerRequest) -> String {
    format!(
        "via={} proxy-authorization={} {}",
        req.header("via").unwrap_or("-"),
        req.header("proxy-authorization").unwrap_or("-"),
        req.uri.path()
    )
}

fn http_origin() -> Server {
    Server::http(|req| async move { reply(200, echo(&req)) })
}

fn https_origin(pki: &TestPki) -> Server {
    Server::https(pki.server_config(&[b"h2", b"http/1.1"]), |req| async move {
        reply(200, format!("{:?} {}", req.version, echo(&req)))
    })
}

fn client(
    proxies: impl IntoIterator<Item = Proxy>,
    pki: Option<&TestPki>,
) -> HttpClient<HyperAgent> {
    let mut builder = HyperAgent::builder().no_proxy();
    for proxy in proxies {
        builder = builder.proxy(proxy);
    }
    if let Some(pki) = pki {
        builder = builder
            .root_store(RootStore::None)
            .add_root_certificate_pem(&pki.ca_pem);
    }
    HttpClient::new(builder.build().unwrap())
}

async fn text(client: &HttpClient<HyperAgent>, url: String) -> treq::Result<(Version, String)> {
    let response = client.get(url).await?;
    let version = response.version();
    Ok((version, response.text().await?))
}

/// A GET of `url` (on the TLS origin) through `via` goes over HTTP/2 end to
/// end and reaches `path`.
async fn reaches_over_h2(via: &HttpClient<HyperAgent>, what: &str, url: String, path: &str) {
    let (version, body) = bounded(what, text(via, url)).await.unwrap();
    assert_eq!(version, Version::HTTP_2, "{what}: {body}");
    assert!(body.ends_with(&format!(" {path}")), "{what}: {body}");
}

#[tokio::test]
#[ignore = "needs tinyproxy: run ./scripts/test"]
async fn http_targets_go_through_tinyproxy_with_credentials_the_origin_never_sees() {
    let _ = TINYPROXY;
    let origin = http_origin();
    let proxy = tinyproxy(Some(("alice", "s3cret")), &[]);
    let via = client(
        [Proxy::http(proxy.url_with("http", "alice", "s3cret"))],
        None,
    );
    let (_, body) = bounded("via tinyproxy", text(&via, origin.url("/a")))
        .await
        .unwrap();
    assert!(body.contains("tinyproxy"), "no Via from the proxy: {body}");
    assert!(body.contains("proxy-authorization=-"), "{body}");
    assert!(body.ends_with(" /a"), "{body}");

    // The same with the credentials given apart from the URL.
    let via = client(
        [Proxy::http(proxy.url("http")).basic_auth("alice", "s3cret")],
        None,
    );
    let (_, body) = bounded("via tinyproxy", text(&via, origin.url("/b")))
        .await
        .unwrap();
    assert!(
        body.contains("tinyproxy") && body.contains("proxy-authorization=-"),
        "{body}"
    );
}

#[tokio::test]
#[ignore = "needs tinyproxy: run ./scripts/test"]
async fn a_407_from_tinyproxy_is_a_typed_error_without_the_password() {
    let origin = http_origin();
    let pki = TestPki::new(&["localhost"]);
    let tls_origin = https_origin(&pki);
    let proxy = tinyproxy(Some(("alice", "s3cret")), &[tls_origin.addr().port()]);
    // Without credentials tinyproxy answers 407; with wrong ones it answers
    // 401, which through a forward proxy cannot be told from the origin's
    // own 401, so that case is checked on a CONNECT only (any refusal fails it).
    let http_target = (origin.url("/"), vec![proxy.url("http")]);
    let https_target = (
        tls_origin.url_with_host("localhost", "/"),
        vec![
            proxy.url("http"),
            proxy.url_with("http", "alice", "wrong-pw"),
        ],
    );
    for (url, proxy_urls) in [http_target, https_target] {
        for proxy_url in proxy_urls {
            let via = client([Proxy::all(proxy_url)], Some(&pki));
            let err = bounded("refused by tinyproxy", text(&via, url.clone()))
                .await
                .unwrap_err();
            assert!(err.is_proxy() && err.is_connect(), "{url}: {err:?}");
            let shown = format!("{err} {err:?}");
            assert!(
                shown.contains(&format!("127.0.0.1:{}", proxy.port())),
                "{shown}"
            );
            assert!(!shown.contains("wrong-pw"), "{shown}");
        }
    }
}

#[tokio::test]
#[ignore = "needs tinyproxy: run ./scripts/test"]
async fn https_targets_tunnel_through_tinyproxy_with_h2_inside() {
    let pki = TestPki::new(&["localhost"]);
    let origin = https_origin(&pki);
    let proxy = tinyproxy(Some(("alice", "s3cret")), &[origin.addr().port()]);
    let via = client(
        [Proxy::https(proxy.url("http")).basic_auth("alice", "s3cret")],
        Some(&pki),
    );
    let url = origin.url_with_host("localhost", "/t");
    let (version, body) = bounded("CONNECT via tinyproxy", text(&via, url.clone()))
        .await
        .unwrap();
    assert_eq!(version, Version::HTTP_2, "{body}");
    // Inside the tunnel the origin gets the request itself: no Via, no credentials.
    assert_eq!(body, "HTTP/2.0 via=- proxy-authorization=- /t");
    // The tunnel was used: without credentials tinyproxy refuses the CONNECT.
    let refused = client([Proxy::https(proxy.url("http"))], Some(&pki));
    let err = bounded("CONNECT refused", text(&refused, url))
        .await
        .unwrap_err();
    assert!(err.is_proxy(), "{err:?}");
    // A tunnel keeps the certificate checks: a CA the client does not trust fails as TLS.
    let other = TestPki::new(&["localhost"]);
    let untrusting = client(
        [Proxy::https(proxy.url("http")).basic_auth("alice", "s3cret")],
        Some(&other),
    );
    let err = bounded(
        "untrusted through the tunnel",
        text(&untrusting, origin.url_with_host("localhost", "/")),
    )
    .await
    .unwrap_err();
    assert!(err.is_tls() && !err.is_proxy(), "{err:?}");
}

#[tokio::test]
#[ignore = "needs tinyproxy: run ./scripts/test"]
async fn no_proxy_bypasses_exactly_the_listed_hosts_and_drops_proxy_authorization() {
    let origin = http_origin();
    let proxy = tinyproxy(None, &[]);
    let via = client(
        [Proxy::all(proxy.url_with("http", "alice", "s3cret"))
            .no_proxy(NoProxy::from_string("localhost"))],
        None,
    );
    let (_, proxied) = bounded("proxied", text(&via, origin.url("/p")))
        .await
        .unwrap();
    assert!(proxied.contains("tinyproxy"), "{proxied}");
    let direct = bounded(
        "direct",
        via.get(origin.url_with_host("localhost", "/d"))
            .header("Proxy-Authorization", "Basic bGVhazpsZWFr")
            .send(),
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(direct, "via=- proxy-authorization=- /d");
}

#[tokio::test]
#[ignore = "needs microsocks: run ./scripts/test"]
async fn socks5_and_socks5h_reach_http_and_https_origins_with_and_without_credentials() {
    let _ = MICROSOCKS;
    let pki = TestPki::new(&["localhost"]);
    let tls_origin = https_origin(&pki);
    let origin = http_origin();
    let open = microsocks(None);
    let guarded = microsocks(Some(("bob", "pa55")));
    for scheme in ["socks5", "socks5h"] {
        for proxy in [
            Proxy::all(open.url(scheme)),
            Proxy::all(guarded.url_with(scheme, "bob", "pa55")),
            Proxy::all(guarded.url(scheme)).basic_auth("bob", "pa55"),
        ] {
            let via = client([proxy], Some(&pki));
            let (_, body) = bounded(
                "socks http",
                text(&via, origin.url_with_host("localhost", "/s")),
            )
            .await
            .unwrap();
            assert_eq!(body, "via=- proxy-authorization=- /s");
            let url = tls_origin.url_with_host("localhost", "/s");
            reaches_over_h2(&via, "socks https", url, "/s").await;
        }
    }
}

#[tokio::test]
#[ignore = "needs microsocks: run ./scripts/test"]
async fn a_wrong_socks_password_is_a_typed_error() {
    let origin = http_origin();
    let guarded = microsocks(Some(("bob", "pa55")));
    for proxy in [
        Proxy::all(guarded.url_with("socks5h", "bob", "wrong-pw")),
        Proxy::all(guarded.url("socks5h")),
    ] {
        let via = client([proxy], None);
        let err = bounded("socks refused", text(&via, origin.url("/")))
            .await
            .unwrap_err();
        assert!(err.is_proxy() && err.is_connect(), "{err:?}");
        let shown = format!("{err} {err:?}");
        assert!(
            shown.contains(&format!("socks5h://127.0.0.1:{}", guarded.port())),
            "{shown}"
        );
        assert!(!shown.contains("wrong-pw"), "{shown}");
    }
}

/// A TCP listener that runs `serve` on each connection.
async fn fake_proxy<F, Fut>(serve: F) -> u16
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket));
        }
    });
    port
}

#[tokio::test]
async fn a_proxy_that_closes_mid_connect_is_a_typed_error() {
    let port = fake_proxy(|mut socket| async move {
        let mut buf = [0u8; 64];
        let _ = socket.read(&mut buf).await;
        let _ = socket.write_all(b"HTTP/1.1 200 Connection est").await;
    })
    .await;
    let via = client(
        [Proxy::all(format!("http://u:hunter2@127.0.0.1:{port}"))],
        None,
    );
    let err = bounded(
        "closed mid-CONNECT",
        text(&via, "https://localhost:1/".into()),
    )
    .await
    .unwrap_err();
    assert!(err.is_proxy() && err.is_connect(), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains(&format!("http://127.0.0.1:{port}")),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[tokio::test]
async fn a_socks_server_sending_garbage_is_a_typed_error() {
    let port = fake_proxy(|mut socket| async move {
        let mut buf = [0u8; 64];
        let _ = socket.read(&mut buf).await;
        let _ = socket
            .write_all(b"\x07\xffHTTP/1.1 400 garbage\r\n\r\n")
            .await;
        let _ = socket.read(&mut buf).await;
    })
    .await;
    for scheme in ["socks5", "socks5h"] {
        let via = client([Proxy::all(format!("{scheme}://127.0.0.1:{port}"))], None);
        let err = bounded("socks garbage", text(&via, "http://localhost:1/".into()))
            .await
            .unwrap_err();
        assert!(err.is_proxy() && err.is_connect(), "{err:?}");
    }
}

#[tokio::test]
async fn a_silent_proxy_fails_within_the_connect_timeout() {
    let port = fake_proxy(|socket| async move {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        drop(socket);
    })
    .await;
    for (proxy, target) in [
        // A CONNECT tunnel and a SOCKS5 handshake left unanswered.
        (format!("http://127.0.0.1:{port}"), "https://localhost:1/"),
        (
            format!("socks5h://127.0.0.1:{port}"),
            "https://localhost:1/",
        ),
        // An http:// request goes to a forward proxy; to an https:// one
        // over TLS first, and this proxy never answers the ClientHello.
        (format!("https://127.0.0.1:{port}"), "http://localhost:1/"),
    ] {
        let agent = HyperAgent::builder()
            .proxy(Proxy::all(&proxy))
            .connect_timeout(std::time::Duration::from_millis(300))
            .build()
            .unwrap();
        let err = bounded("silent proxy", text(&HttpClient::new(agent), target.into()))
            .await
            .unwrap_err();
        assert!(
            err.is_proxy() && err.is_timeout(),
            "{proxy} {target}: {err:?}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_proxy_is_a_typed_connect_error() {
    let port = free_port();
    for url in [
        format!("http://u:hunter2@127.0.0.1:{port}"),
        format!("socks5://u:hunter2@127.0.0.1:{port}"),
    ] {
        let via = client([Proxy::all(url)], None);
        for target in ["http://localhost:1/", "https://localhost:1/"] {
            let err = bounded("refused", text(&via, target.into()))
                .await
                .unwrap_err();
            assert!(err.is_proxy() && err.is_connect(), "{target}: {err:?}");
            let shown = format!("{err} {err:?}");
            assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }
}

#[tokio::test]
async fn bad_proxy_urls_fail_the_build() {
    for bad in [
        "socks7://127.0.0.1:1",
        "http://",
        "http://:8080",
        "http://127.0.0.1:0",
    ] {
        let err = HyperAgent::builder()
            .proxy(Proxy::all(bad))
            .build()
            .unwrap_err();
        assert!(err.is_builder(), "{bad}: {err:?}");
    }
}

#[tokio::test]
async fn pooled_connections_are_never_shared_across_routes() {
    let origin = http_origin();
    let first = PipeProxy::start();
    let second = PipeProxy::start();
    // 127.0.0.1 through the first proxy, localhost through the second, and
    // localhost:<port of the pki origin> direct.
    let pki = TestPki::new(&["localhost"]);
    let tls_origin = https_origin(&pki);
    let via = client(
        [
            Proxy::http(first.url()).no_proxy(NoProxy::from_string("localhost")),
            Proxy::http(second.url()),
        ],
        Some(&pki),
    );
    for round in 0..3 {
        for url in [
            origin.url("/one"),
            origin.url_with_host("localhost", "/two"),
            tls_origin.url_with_host("localhost", "/three"),
        ] {
            let (_, body) = bounded("pooled", text(&via, url)).await.unwrap();
            assert!(body.contains("via=-"), "round {round}: {body}");
        }
    }
    // One connection per route, each reused: one at each proxy, two at the
    // origin (one from each proxy), one direct to the TLS origin.
    assert_eq!((first.accepted(), second.accepted()), (1, 1));
    assert_eq!(origin.accepted(), 2);
    assert_eq!(tls_origin.accepted(), 1);
}

#[tokio::test]
async fn connect_tunnels_carry_https_through_an_in_process_proxy() {
    let pki = TestPki::new(&["localhost"]);
    let origin = https_origin(&pki);
    let proxy = PipeProxy::start();
    let via = client([Proxy::all(proxy.url())], Some(&pki));
    for _ in 0..3 {
        let url = origin.url_with_host("localhost", "/c");
        let (version, _) = bounded("tunnel", text(&via, url)).await.unwrap();
        assert_eq!(version, Version::HTTP_2);
    }
    assert_eq!((proxy.accepted(), origin.accepted()), (1, 1));
}

/// Set in the child process that checks the environment rules.
const CHILD_ORIGIN: &str = "TREQ_PROXY_TEST_CHILD_ORIGIN";
/// `yes` or `no`: whether the child must see the answer come through tinyproxy.
const CHILD_EXPECT_VIA: &str = "TREQ_PROXY_TEST_CHILD_EXPECT_VIA";

/// Runs the child test under `vars` (and nothing else of the proxy
/// environment) and asserts it passed.
fn run_child(origin_url: &str, vars: &[(&str, String)]) {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "child_process_fetching_with_treq_get",
            "--include-ignored",
        ])
        .env(CHILD_ORIGIN, origin_url);
    for name in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
        "REQUEST_METHOD",
        CHILD_EXPECT_VIA,
    ] {
        child.env_remove(name);
    }
    for (name, value) in vars {
        child.env(name, value);
    }
    let out = child.output().unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "{vars:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
#[ignore = "needs tinyproxy: run ./scripts/test"]
async fn the_environment_routes_treq_get_through_tinyproxy() {
    let origin = http_origin();
    let proxy = tinyproxy(None, &[]);
    let origin_url = origin.url("/env");
    let url = proxy.url("http");
    tokio::task::spawn_blocking(move || {
        let via = |yes: bool| (CHILD_EXPECT_VIA, if yes { "yes" } else { "no" }.to_owned());
        // Both cases of the name are honoured.
        run_child(&origin_url, &[("HTTP_PROXY", url.clone()), via(true)]);
        run_child(&origin_url, &[("http_proxy", url.clone()), via(true)]);
        // The CGI guard drops `HTTP_PROXY`, not `http_proxy`.
        run_child(
            &origin_url,
            &[
                ("HTTP_PROXY", url.clone()),
                ("REQUEST_METHOD", "GET".into()),
                via(false),
            ],
        );
        // NO_PROXY, either case, bypasses the listed host.
        run_child(
            &origin_url,
            &[
                ("http_proxy", url.clone()),
                ("no_proxy", "127.0.0.1".into()),
                via(false),
            ],
        );
        run_child(
            &origin_url,
            &[
                ("HTTP_PROXY", url.clone()),
                ("NO_PROXY", "127.0.0.1".into()),
                via(false),
            ],
        );
    })
    .await
    .unwrap();
}

/// Runs in a child process started by
/// `the_environment_sets_the_proxy_of_module_level_functions` with its own
/// environment (tests must not change the environment of this process);
/// started any other way it has nothing to fetch and returns.
#[tokio::test]
async fn child_process_fetching_with_treq_get() {
    let Ok(url) = std::env::var(CHILD_ORIGIN) else {
        return;
    };
    let response = treq::get(url.as_str()).await.unwrap();
    assert_eq!(response.code(), 200);
    // Set by the tinyproxy variant: whether the answer came through it.
    if let Ok(expect) = std::env::var(CHILD_EXPECT_VIA) {
        let body = response.text().await.unwrap();
        assert_eq!(body.contains("tinyproxy"), expect == "yes", "{body}");
    }
    // An explicit opt-out under the same environment goes direct, and so does
    // a client with its own proxy list.
    let direct = HyperAgent::builder().no_proxy().build().unwrap();
    let url = std::env::var(CHILD_ORIGIN).unwrap();
    HttpClient::new(direct).get(url).await.unwrap();
}

#[tokio::test]
async fn the_environment_sets_the_proxy_of_module_level_functions() {
    let origin = http_origin();
    let proxy = PipeProxy::start();
    let origin_url = origin.url("/env");
    let run = move |vars: &[(&str, String)]| run_child(&origin_url, vars);
    let url = proxy.url();
    tokio::task::spawn_blocking(move || {
        run(&[("HTTP_PROXY", url.clone())]);
        assert_eq!(proxy.accepted(), 1, "HTTP_PROXY");
        run(&[("all_proxy", url.clone())]);
        assert_eq!(proxy.accepted(), 2, "all_proxy");
        // The CGI guard, and NO_PROXY.
        run(&[
            ("HTTP_PROXY", url.clone()),
            ("REQUEST_METHOD", "GET".into()),
        ]);
        run(&[
            ("http_proxy", url.clone()),
            ("NO_PROXY", "127.0.0.1".into()),
        ]);
        assert_eq!(proxy.accepted(), 2, "REQUEST_METHOD or NO_PROXY ignored");
        // Lowercase wins: the uppercase value names a dead proxy.
        let dead = format!("http://127.0.0.1:{}", free_port());
        run(&[("http_proxy", url.clone()), ("HTTP_PROXY", dead)]);
        assert_eq!(proxy.accepted(), 3, "http_proxy");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_https_proxy_is_reached_over_tls_with_its_certificate_checked() {
    let pki = TestPki::new(&["localhost"]);
    let acceptor =
        tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(pki.server_config(&[b"http/1.1"])));
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    let port = fake_proxy(move |socket| {
        let acceptor = acceptor.clone();
        let counter = counter.clone();
        async move {
            if let Ok(tls) = acceptor.accept(socket).await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                pipe(tls).await;
            }
        }
    })
    .await;
    let proxy_url = format!("https://localhost:{port}");
    let origin = http_origin();
    let tls_origin = https_origin(&pki);
    let via = client([Proxy::all(proxy_url.clone())], Some(&pki));
    let (_, body) = bounded("forward over TLS", text(&via, origin.url("/f")))
        .await
        .unwrap();
    assert_eq!(body, "via=- proxy-authorization=- /f");
    let url = tls_origin.url_with_host("localhost", "/t");
    reaches_over_h2(&via, "CONNECT over TLS", url, "/t").await;
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
    // A proxy certificate the client does not trust is a proxy failure.
    let other = TestPki::new(&["localhost"]);
    let untrusting = client([Proxy::all(proxy_url)], Some(&other));
    let err = bounded("untrusted proxy", text(&untrusting, origin.url("/")))
        .await
        .unwrap_err();
    assert!(err.is_proxy() && err.is_connect(), "{err:?}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// An `https://` forward proxy (TLS, then requests in absolute form) that
/// answers each request itself: 407 without `Proxy-Authorization: Basic
/// <base64(u:secret)>`, else 200 with the header's value as the body.
async fn guarded_https_forward_proxy(pki: &TestPki) -> u16 {
    let acceptor =
        tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(pki.server_config(&[b"http/1.1"])));
    fake_proxy(move |socket| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(socket).await else {
                return;
            };
            let head = support::wire::read_head(&mut tls).await;
            let head = String::from_utf8_lossy(&head).into_owned();
            let auth = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("proxy-authorization")
                    .then(|| value.trim().to_owned())
            });
            // base64("u:secret")
            let reply = match auth.as_deref() {
                Some(auth @ "Basic dTpzZWNyZXQ=") => format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{auth}",
                    auth.len()
                ),
                _ => "HTTP/1.1 407 Proxy Authentication Required\r\n\
                      proxy-authenticate: Basic realm=\"p\"\r\n\
                      content-length: 0\r\nconnection: close\r\n\r\n"
                    .to_owned(),
            };
            let _ = tls.write_all(reply.as_bytes()).await;
            let _ = tls.shutdown().await;
        }
    })
    .await
}

#[tokio::test]
async fn an_https_forward_proxy_gets_its_credentials_and_its_407_is_a_proxy_error() {
    let pki = TestPki::new(&["localhost"]);
    let port = guarded_https_forward_proxy(&pki).await;
    let target = "http://origin.test/x".to_owned();
    let with = client(
        [Proxy::all(format!("https://u:secret@localhost:{port}"))],
        Some(&pki),
    );
    let (_, body) = bounded("credentials", text(&with, target.clone()))
        .await
        .unwrap();
    assert_eq!(body, "Basic dTpzZWNyZXQ=");
    for proxy in [
        format!("https://localhost:{port}"),
        format!("https://u:wrong-pw@localhost:{port}"),
    ] {
        let refused = client([Proxy::all(proxy)], Some(&pki));
        let err = bounded("407", text(&refused, target.clone()))
            .await
            .unwrap_err();
        assert!(err.is_proxy() && err.is_connect(), "{err:?}");
        let shown = format!("{err} {err:?}");
        assert!(
            shown.contains(&format!("https://localhost:{port}")),
            "{shown}"
        );
        assert!(!shown.contains("wrong-pw"), "{shown}");
    }
}
