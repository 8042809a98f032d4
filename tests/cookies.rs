//! Cookies through the whole client over loopback servers: the session jar,
//! request cookies (treq's test_cookies.py), and the security rules.

mod routes;
mod support;

use serde_json::Value;
use support::server::Server;
use support::tls::TestPki;
use treq::cookie::CookieLookupError;
use treq::{CookieJar, HttpClient, HyperAgent};

use routes::{route, set_cookie_path};

fn client() -> HttpClient<HyperAgent> {
    HttpClient::new(HyperAgent::new())
}

async fn sent_cookie(c: &HttpClient<HyperAgent>, url: String) -> Option<String> {
    let echo: Value = c.get(url).await.unwrap().json().await.unwrap();
    echo["headers"]["cookie"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn request_cookies_join_the_session_jar() {
    // treq's test_cookies_in_jars.
    let server = Server::http(route);
    let c = client();
    c.cookie_jar()
        .add_scoped(server.url("/"), "a", "b")
        .unwrap();
    let resp = c
        .get(server.url(&set_cookie_path(&["a=c"], None)))
        .cookies([("b", "c")])
        .await
        .unwrap();
    let echo: Value = resp.json().await.unwrap();
    assert_eq!(echo["headers"]["cookie"], "a=b; b=c");
    for jar in [c.cookie_jar().clone(), resp.cookies()] {
        assert_eq!(
            (jar.get("a"), jar.get("b")),
            (Some("c".into()), Some("c".into()))
        );
        assert_eq!(jar.len(), 2);
    }
    // They persist for later requests of the client.
    assert_eq!(
        sent_cookie(&c, server.url("/echo")).await.as_deref(),
        Some("a=c; b=c")
    );
}

#[tokio::test]
async fn a_request_jar_is_merged_with_its_own_scope() {
    // treq's test_cookies_pass_jar, with 127.0.0.1 and localhost as the two hosts.
    let server = Server::http(route);
    let c = client();
    let here = server.url("/");
    let there = server.url_with_host("localhost", "/");
    c.cookie_jar().add_scoped(&here, "a", "a").unwrap();
    c.cookie_jar().add_scoped(&here, "p", "q").unwrap();
    c.cookie_jar().add_scoped(&there, "b", "b").unwrap();
    let given = CookieJar::new();
    given.add_scoped(&here, "a", "b").unwrap();
    given.add_scoped(&there, "a", "c").unwrap();
    let resp = c.get(server.url("/echo")).cookies(given).await.unwrap();
    let echo: Value = resp.json().await.unwrap();
    assert_eq!(echo["headers"]["cookie"], "a=b; p=q");
    let jar = c.cookie_jar();
    assert_eq!(jar.len(), 4);
    assert_eq!(jar.get_for(&there, "a").as_deref(), Some("c"));
    assert_eq!(jar.get_for(&there, "b").as_deref(), Some("b"));
    assert!(matches!(
        jar.try_get("a"),
        Err(CookieLookupError::Collision { .. })
    ));
}

/// A client trusting a fresh test CA, and the cookie routes on an https
/// server (speaking `alpn`) and a plain http one, both on localhost.
fn https_and_http(alpn: &[&[u8]]) -> (HttpClient<HyperAgent>, Server, Server) {
    let pki = TestPki::new(&["localhost"]);
    let agent = HyperAgent::builder()
        .add_root_certificate_pem(&pki.ca_pem)
        .build()
        .unwrap();
    let secure = Server::https(pki.server_config(alpn), route);
    (HttpClient::new(agent), secure, Server::http(route))
}

#[tokio::test]
async fn cookies_given_over_https_are_secure_and_stay_on_https() {
    // treq's test_cookies_dict, plus "Secure cookies never go over http".
    let (c, secure, plain) = https_and_http(&[b"h2", b"http/1.1"]);
    let url = secure.url_with_host("localhost", "/echo");
    let echo: Value = c
        .get(&url)
        .cookies([("a", "b")])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echo["headers"]["cookie"], "a=b");
    let stored: Vec<_> = c.cookie_jar().iter().collect();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].secure() && stored[0].host_only());
    assert_eq!(stored[0].domain(), "localhost");
    // Same host over http, another port: not sent.
    let leaked = sent_cookie(&c, plain.url_with_host("localhost", "/echo")).await;
    assert_eq!(leaked, None);
    // A Secure Set-Cookie over https is kept (treq's test_response_cookies).
    let resp = c
        .get(secure.url_with_host("localhost", &set_cookie_path(&["s=2; Secure"], None)))
        .await
        .unwrap();
    let (one, two) = (resp.cookies(), resp.cookies());
    assert_eq!(
        (one.get("s"), two.get("s")),
        (Some("2".into()), Some("2".into()))
    );
    one.clear();
    assert_eq!(
        two.get("s").as_deref(),
        Some("2"),
        "each call returns a new copy"
    );
    assert_eq!(c.cookie_jar().get("s").as_deref(), Some("2"));
}

#[tokio::test]
async fn secure_cookies_are_not_accepted_over_http() {
    let server = Server::http(route);
    let c = client();
    c.get(server.url_with_host("localhost", &set_cookie_path(&["s=1; Secure", "p=1"], None)))
        .await
        .unwrap();
    assert_eq!(c.cookie_jar().get("s"), None);
    assert_eq!(c.cookie_jar().get("p").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_plain_http_answer_cannot_replace_or_remove_a_secure_cookie() {
    // "Leave secure cookies alone": the same host over http (another port,
    // which does not scope cookies) must not overwrite or expire it.
    let (c, secure, plain) = https_and_http(&[b"http/1.1"]);
    c.get(secure.url_with_host("localhost", &set_cookie_path(&["sid=secret; Secure"], None)))
        .await
        .unwrap();
    let attacks = ["sid=evil", "sid=; Max-Age=0", "other=1"];
    c.get(plain.url_with_host("localhost", &set_cookie_path(&attacks, None)))
        .await
        .unwrap();
    assert_eq!(
        sent_cookie(&c, secure.url_with_host("localhost", "/echo"))
            .await
            .as_deref(),
        Some("sid=secret; other=1")
    );
}

#[tokio::test]
async fn cookies_are_not_sent_to_other_hosts() {
    // treq's test_cookies_not_sent_to_different_domains / _sent_for_same_domain.
    let server = Server::http(route);
    let c = client();
    c.get(server.url("/echo"))
        .cookies([("k", "v")])
        .await
        .unwrap();
    assert_eq!(
        sent_cookie(&c, server.url("/echo")).await.as_deref(),
        Some("k=v")
    );
    assert_eq!(
        sent_cookie(&c, server.url_with_host("localhost", "/echo")).await,
        None
    );
}

#[tokio::test]
async fn cookies_are_sent_to_other_ports_of_the_same_host() {
    // treq's test_cookies_sent_with_explicit_port: ports do not scope cookies.
    let a = Server::http(route);
    let b = Server::http(route);
    let c = client();
    c.get(a.url("/echo")).cookies([("k", "v")]).await.unwrap();
    assert_eq!(
        sent_cookie(&c, b.url("/echo")).await.as_deref(),
        Some("k=v")
    );
}

#[tokio::test]
async fn foreign_and_public_suffix_domains_are_refused() {
    // Rule 59: Domain=evil.example from another host is rejected.
    let server = Server::http(route);
    let c = client();
    let raw = [
        "foreign=1; Domain=evil.example",
        "suffix=1; Domain=com",
        "fine=1; Domain=localhost",
    ];
    c.get(server.url_with_host("localhost", &set_cookie_path(&raw, None)))
        .await
        .unwrap();
    let names: Vec<String> = c.cookie_jar().iter().map(|c| c.name().to_owned()).collect();
    assert_eq!(names, ["fine"]);
}

#[tokio::test]
async fn an_explicit_cookie_header_replaces_the_jar() {
    // Rule 54.
    let server = Server::http(route);
    let c = client();
    c.cookie_jar()
        .add_scoped(server.url("/"), "jar", "1")
        .unwrap();
    let echo: Value = c
        .get(server.url("/echo"))
        .header("Cookie", "mine=2")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echo["headers"]["cookie"], "mine=2");
}

#[tokio::test]
async fn set_cookie_without_following_is_in_response_cookies() {
    // treq's integration test_set_cookie.
    let server = Server::http(route);
    let resp = client()
        .get(server.url(&set_cookie_path(&["hello=there"], Some("/echo"))))
        .allow_redirects(false)
        .await
        .unwrap();
    assert_eq!(resp.code(), 302);
    assert_eq!(resp.cookies().get("hello").as_deref(), Some("there"));
}

#[tokio::test]
async fn each_redirect_hop_reads_and_fills_the_jar() {
    // Rule 50: Set-Cookie of a hop is sent on the next hop of that origin,
    // and cookies of one host never follow a redirect to another.
    let server = Server::http(route);
    let c = client();
    let elsewhere = server.url_with_host("localhost", "/echo");
    let hop2 = set_cookie_path(&["second=2"], Some(&elsewhere));
    let start = set_cookie_path(&["first=1"], Some(&hop2));
    let resp = c.get(server.url(&start)).await.unwrap();
    assert_eq!(resp.history().len(), 2);
    let hop2_sent = resp.history()[1].request().unwrap().headers()["cookie"]
        .to_str()
        .unwrap();
    assert_eq!(hop2_sent, "first=1");
    let echo: Value = resp.json().await.unwrap();
    assert_eq!(
        echo["headers"]["cookie"],
        Value::Null,
        "127.0.0.1 cookies reached localhost"
    );
    let jar = resp.cookies();
    assert_eq!(
        (jar.get("first"), jar.get("second")),
        (Some("1".into()), Some("2".into()))
    );
}

#[tokio::test]
async fn request_cookies_do_not_follow_a_redirect_to_another_host() {
    // CVE-2022-23607: pair cookies are scoped to the origin they were given for.
    let server = Server::http(route);
    let c = client();
    let to = server.url_with_host("localhost", "/echo");
    let resp = c
        .get(server.url(&routes::status_path(302, &to)))
        .cookies([("token", "secret")])
        .await
        .unwrap();
    let echo: Value = resp.json().await.unwrap();
    assert_eq!(echo["headers"]["cookie"], Value::Null);
    assert_eq!(
        resp.history()[0].request().unwrap().headers()["cookie"],
        "token=secret"
    );
}

#[tokio::test]
async fn a_saved_jar_can_seed_another_client() {
    let server = Server::http(route);
    let c = client();
    c.get(server.url(&set_cookie_path(&["sid=42; Path=/"], None)))
        .await
        .unwrap();
    let mut saved = Vec::new();
    c.cookie_jar().save_json(&mut saved).unwrap();
    let jar = CookieJar::load_json(&saved[..]).unwrap();
    let other = HttpClient::builder(HyperAgent::new())
        .cookie_jar(jar)
        .build();
    assert_eq!(
        sent_cookie(&other, server.url("/echo")).await.as_deref(),
        Some("sid=42")
    );
}

#[tokio::test]
async fn bad_request_cookies_are_builder_errors() {
    let server = Server::http(route);
    let err = client()
        .get(server.url("/echo"))
        .cookies([("bad name", "v")])
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err:?}");
    let err = client()
        .get(server.url("/echo"))
        .cookies([("k", "line\r\nbreak")])
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err:?}");
}

#[test]
fn looking_up_rotating_values_does_not_slow_down() {
    // Each lookup used to keep the value in a list walked on every later
    // call, so lookups got slower as values rotated. Now a lookup copies the
    // value: the last lookups cost what the first did.
    let jar = CookieJar::new();
    let mut first = std::time::Duration::ZERO;
    let mut last = std::time::Duration::ZERO;
    let mut total = std::time::Duration::ZERO;
    for n in 0..20_000 {
        let value = n.to_string();
        jar.add_cookie_str(&format!("k={value}"), "http://a.example/")
            .unwrap();
        let started = std::time::Instant::now();
        let (any, scoped) = (jar.get("k"), jar.get_for("http://a.example/", "k"));
        let took = started.elapsed();
        total += took;
        match n {
            0..2_000 => first += took,
            18_000.. => last += took,
            _ => {}
        }
        assert_eq!(any.as_deref(), Some(value.as_str()));
        assert_eq!(scoped.as_deref(), Some(value.as_str()));
    }
    eprintln!(
        "20,000 rotating values: {total:?} in all; first 2,000 {first:?}, last 2,000 {last:?}"
    );
    let bound = first * 3 + std::time::Duration::from_millis(50);
    assert!(last < bound, "first {first:?}, last {last:?}");
}
