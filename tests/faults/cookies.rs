//! Fault scenarios: cookies. A server floods the jar, sends oversize cookies,
//! or spells a public suffix so that it looks like something else. Hosts like
//! `www.evil.co.uk` cannot be reached on loopback and no socket behaviour is
//! at stake, so these go through an in-memory agent that answers with the
//! `Set-Cookie` headers a test chooses (and, for the IDN spellings, through
//! StubTreq, so the raw bytes cross a real HTTP/1.1 exchange).

use std::sync::{Arc, Mutex};

use http::header::{COOKIE, SET_COOKIE};
use http::HeaderValue;
use treq::agent::ResponseFuture;
use treq::{Agent, Body, CookieJar, HttpClient};
use treq_testing::{StringStubbingResource, StubResponse, StubTreq};

use crate::support::bounded;

/// The `Set-Cookie` values to answer a request for a URL with.
type Answer = dyn Fn(&str) -> Vec<String> + Send + Sync;

/// Answers each request with the `Set-Cookie` values `answer` gives for its
/// URL, and records the `Cookie` header of every request.
#[derive(Clone)]
struct CookieServer {
    answer: Arc<Answer>,
    sent: Arc<Mutex<Vec<Option<String>>>>,
}

impl CookieServer {
    fn new(answer: impl Fn(&str) -> Vec<String> + Send + Sync + 'static) -> Self {
        CookieServer {
            answer: Arc::new(answer),
            sent: Arc::default(),
        }
    }

    fn client(&self, jar: CookieJar) -> HttpClient<CookieServer> {
        HttpClient::builder(self.clone()).cookie_jar(jar).build()
    }

    fn last_cookie_header(&self) -> Option<String> {
        self.sent.lock().unwrap().last().cloned().flatten()
    }
}

impl Agent for CookieServer {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        let cookie = request
            .headers()
            .get(COOKIE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        self.sent.lock().unwrap().push(cookie);
        let mut response = http::Response::new(Body::empty());
        for value in (self.answer)(&request.uri().to_string()) {
            let value = HeaderValue::from_str(&value).expect("test cookies are ASCII");
            response.headers_mut().append(SET_COOKIE, value);
        }
        Box::pin(async move { Ok(response) })
    }
}

/// `count` cookies named `{prefix}{n}` with a 20-byte value, plus `attributes`.
fn cookies(prefix: &str, count: usize, attributes: &str) -> Vec<String> {
    (0..count)
        .map(|n| format!("{prefix}{n}={n:020}{attributes}"))
        .collect()
}

fn names_in(header: &str) -> Vec<&str> {
    header
        .split("; ")
        .map(|pair| pair.split('=').next().unwrap())
        .collect()
}

#[tokio::test]
async fn a_flood_from_one_host_leaves_the_jar_and_the_cookie_header_bounded() {
    bounded("cookie flood from one host", async {
        // 50 responses of 90 cookies each: 4,500 cookies offered.
        let server = CookieServer::new(|url| {
            let round = url.rsplit('/').next().unwrap().to_owned();
            cookies(&format!("r{round}c"), 90, "; Path=/")
        });
        let jar = CookieJar::new();
        let client = server.client(jar.clone());
        for round in 0..50 {
            client
                .get(format!("http://flood.example/{round}"))
                .await
                .unwrap();
        }
        assert_eq!(jar.len(), 180, "one site keeps at most 180 cookies");
        client.get("http://flood.example/next").await.unwrap();
        let header = server.last_cookie_header().unwrap();
        let names = names_in(&header);
        assert_eq!(names.len(), 180);
        // The most recent ones are kept: rounds 48 and 49.
        assert!(
            names.contains(&"r49c89") && names.contains(&"r48c0"),
            "{names:?}"
        );
        assert!(!names.contains(&"r47c89"), "{names:?}");
        // 180 × ("r49c89=" + 20 digits + "; ") at most.
        assert!(header.len() <= 180 * 29, "{} bytes", header.len());
    })
    .await;
}

#[tokio::test]
async fn many_hosts_under_one_site_share_its_limit_and_many_sites_the_jar_limit() {
    bounded("cookie flood from many hosts", async {
        let server = CookieServer::new(|url| {
            let host = url::Url::parse(url).unwrap().host_str().unwrap().to_owned();
            if host.ends_with(".site.example") {
                // Half scoped to the whole site, half host-only.
                let mut set = cookies(&format!("{host}-d"), 45, "; Domain=site.example");
                set.extend(cookies(&format!("{host}-h"), 45, ""));
                set
            } else {
                cookies(&format!("{host}-"), 90, "")
            }
        });
        let jar = CookieJar::new();
        let client = server.client(jar.clone());
        for n in 0..40 {
            client
                .get(format!("http://h{n}.a.site.example/"))
                .await
                .unwrap();
        }
        assert_eq!(
            jar.len(),
            180,
            "every host of site.example counts for the site"
        );
        client.get("http://h39.a.site.example/again").await.unwrap();
        let header = server.last_cookie_header().unwrap();
        assert!(
            names_in(&header).len() <= 180,
            "{}",
            names_in(&header).len()
        );
        assert!(header.len() <= 180 * 60, "{} bytes", header.len());

        // 40 sites of 90 cookies: 3,600 offered, the jar keeps 3,000.
        for n in 0..40 {
            client
                .get(format!("http://site{n}.example/"))
                .await
                .unwrap();
        }
        assert_eq!(jar.len(), 3000);
        let from_last_site = jar
            .iter()
            .filter(|c| c.domain() == "site39.example")
            .count();
        assert_eq!(from_last_site, 90, "the newest cookies are kept");
        assert!(
            jar.iter().all(|c| !c.domain().ends_with("site.example")),
            "the least recently used site went first"
        );
    })
    .await;
}

#[tokio::test]
async fn only_so_many_set_cookie_headers_of_one_response_are_read() {
    bounded("10,000 Set-Cookie headers in one response", async {
        let server = CookieServer::new(|_| cookies("c", 10_000, ""));
        let jar = CookieJar::new();
        let client = server.client(jar.clone());
        let started = std::time::Instant::now();
        client.get("http://many.example/").await.unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(jar.len(), 180);
        // The first 180 were read; the rest were ignored, not parsed and evicted.
        assert_eq!(jar.get("c0").as_deref(), Some("00000000000000000000"));
        assert_eq!(jar.get("c179").as_deref(), Some("00000000000000000179"));
        assert_eq!(jar.get("c180"), None);
    })
    .await;
}

#[tokio::test]
async fn an_oversize_cookie_is_not_stored() {
    bounded("oversize cookie", async {
        let name = "n".repeat(96);
        let at_limit = format!("{name}={}", "v".repeat(4000));
        let over_limit = format!("big={}", "v".repeat(4094));
        let long_path = format!("p=1; Path=/{}", "x".repeat(2000));
        let server = CookieServer::new(move |_| {
            vec![at_limit.clone(), over_limit.clone(), long_path.clone()]
        });
        let jar = CookieJar::new();
        let client = server.client(jar.clone());
        client.get("http://big.example/").await.unwrap();
        let names: Vec<_> = jar.iter().map(|c| c.name().to_owned()).collect();
        assert_eq!(names, [name], "4096 bytes fit; 4097 and a 2 KB Path do not");

        // A smaller limit can be chosen.
        let small = CookieJar::builder().max_cookie_size(100).build();
        let err = small
            .add_cookie_str(&format!("a={}", "v".repeat(100)), "http://a.example/")
            .unwrap_err();
        assert!(
            err.is_builder() && err.to_string().contains("too large"),
            "{err}"
        );
        small
            .add_cookie_str(&format!("a={}", "v".repeat(99)), "http://a.example/")
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_least_recently_used_cookie_of_a_domain_is_evicted_first() {
    bounded("LRU eviction", async {
        let server = CookieServer::new(|url| match url.rsplit('/').next().unwrap() {
            "set" => vec![
                "a=1; Path=/a".into(),
                "b=1; Path=/b".into(),
                "c=1; Path=/c".into(),
            ],
            "more" => vec!["d=1; Path=/d".into()],
            "again" => vec!["e=1; Path=/e".into()],
            _ => vec![],
        });
        let jar = CookieJar::builder().max_cookies_per_domain(3).build();
        let client = server.client(jar.clone());
        client.get("http://lru.example/set").await.unwrap();
        // Sending `a` makes it the most recently used: `b` is now the oldest.
        client.get("http://lru.example/a").await.unwrap();
        assert_eq!(server.last_cookie_header().as_deref(), Some("a=1"));
        client.get("http://lru.example/more").await.unwrap();
        let mut names: Vec<_> = jar.iter().map(|c| c.name().to_owned()).collect();
        names.sort();
        assert_eq!(names, ["a", "c", "d"]);
        client.get("http://lru.example/again").await.unwrap();
        let mut names: Vec<_> = jar.iter().map(|c| c.name().to_owned()).collect();
        names.sort();
        assert_eq!(names, ["a", "d", "e"]);
    })
    .await;
}

#[tokio::test]
async fn expired_cookies_are_removed_and_do_not_count_against_the_limits() {
    bounded("expired cookies", async {
        // The filled cookies live under /fill, so the later requests do not
        // send them (which would count as using them).
        let server = CookieServer::new(|url| match url.rsplit('/').next().unwrap() {
            "fill" => cookies("c", 180, "; Path=/fill; Max-Age=3600"),
            // The server expires ten of them, then sets ten others.
            "expire" => cookies("c", 10, "; Path=/fill; Max-Age=0"),
            "refill" => cookies("new", 10, ""),
            "past" => vec!["old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT".into()],
            _ => vec![],
        });
        let jar = CookieJar::new();
        let client = server.client(jar.clone());
        client.get("http://exp.example/fill").await.unwrap();
        client.get("http://exp.example/expire").await.unwrap();
        assert_eq!(jar.len(), 170);
        client.get("http://exp.example/refill").await.unwrap();
        assert_eq!(
            jar.len(),
            180,
            "no live cookie was evicted for the expired ones"
        );
        assert!(jar.get("c179").is_some() && jar.get("new9").is_some());
        client.get("http://exp.example/past").await.unwrap();
        assert_eq!(jar.get("old"), None);
        assert_eq!(jar.len(), 180);
    })
    .await;
}

/// The spellings of `co.uk` a server may use to get past a public-suffix
/// check that runs before IDNA mapping or trimming.
const SUFFIX_SPELLINGS: [&str; 7] = [
    "ｃｏ.ｕｋ",
    "co。uk",
    "co．uk",
    "c\u{ad}o.uk",
    "CO.UK",
    "co.uk.",
    ".co.uk",
];

#[tokio::test]
async fn idn_spellings_of_a_public_suffix_are_refused_and_never_sent_elsewhere() {
    bounded("IDN public-suffix spellings", async {
        let stub = StubTreq::new(StringStubbingResource::new(|req| {
            if req.url.starts_with("http://www.evil.co.uk/") {
                let mut response = StubResponse::new(200);
                for (n, spelling) in SUFFIX_SPELLINGS.iter().enumerate() {
                    // Raw bytes: the non-ASCII spellings are sent as UTF-8.
                    let value = format!("sid{n}=x; Domain={spelling}; Path=/");
                    response = response.header("set-cookie", value.as_bytes());
                }
                response
                    .header("set-cookie", "mine=1; Domain=evil.co.uk; Path=/")
                    .header("set-cookie", "mine2=1; Domain=ＥＶＩＬ.co.uk; Path=/")
            } else {
                let cookie = req.header("cookie").unwrap_or("").to_owned();
                StubResponse::new(200).body(cookie)
            }
        }));
        stub.get("http://www.evil.co.uk/").await.unwrap();
        let victim = stub.get("http://www.victim.co.uk/").await.unwrap();
        assert_eq!(
            victim.text().await.unwrap(),
            "",
            "a cookie reached the victim"
        );
        let sibling = stub.get("http://shop.evil.co.uk/").await.unwrap();
        assert_eq!(sibling.text().await.unwrap(), "mine=1; mine2=1");
        let stored: Vec<_> = stub
            .cookie_jar()
            .iter()
            .map(|c| format!("{}@{}", c.name(), c.domain()))
            .collect();
        assert_eq!(stored, ["mine@evil.co.uk", "mine2@evil.co.uk"]);
    })
    .await;
}

#[tokio::test]
async fn a_trailing_dot_on_the_request_host_does_not_open_the_suffix() {
    bounded("trailing-dot host", async {
        let server = CookieServer::new(|url| {
            if url.contains("evil") {
                vec![
                    "a=1; Domain=co.uk".into(),
                    "b=1; Domain=co.uk.".into(),
                    "ok=1; Domain=evil.co.uk.".into(),
                ]
            } else {
                vec![]
            }
        });
        let jar = CookieJar::new();
        let client = server.client(jar.clone());
        client.get("http://www.evil.co.uk./").await.unwrap();
        client.get("http://www.victim.co.uk./").await.unwrap();
        assert_eq!(server.last_cookie_header(), None);
        client.get("http://evil.co.uk/").await.unwrap();
        assert_eq!(server.last_cookie_header().as_deref(), Some("ok=1"));
    })
    .await;
}
