//! `RedirectAgent` against a scripted spy agent.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE};
use http::HeaderName;

use super::*;
use crate::agent::spy::{redirect, reply, Seen, Spy};
use crate::agent::Agent;
use crate::cookie::CookieJar;
use crate::record::RecordAgent;

fn ok() -> http::Response<Body> {
    reply(200).body(Body::from("final")).unwrap()
}

fn request(method: &str, uri: &str, body: Body, options: RedirectOptions) -> http::Request<Body> {
    let mut req = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(body)
        .unwrap();
    req.extensions_mut().insert(options);
    req
}

fn get(uri: &str) -> http::Request<Body> {
    request("GET", uri, Body::empty(), RedirectOptions::default())
}

fn uris(seen: &[Seen]) -> Vec<&str> {
    seen.iter().map(|s| s.uri.as_str()).collect()
}

/// Answers with `routes[path]` (a redirect target) or 200.
fn routes(table: &'static [(&'static str, u16, &'static str)]) -> Arc<Spy> {
    Spy::new(move |seen| {
        let uri: http::Uri = seen.uri.parse().unwrap();
        let key = format!("{}{}", uri.authority().unwrap(), uri.path());
        match table.iter().find(|(from, ..)| *from == key) {
            Some((_, code, to)) => redirect(*code, to),
            None => ok(),
        }
    })
}

#[tokio::test]
async fn follows_a_chain_and_keeps_the_history_in_order() {
    let spy = routes(&[
        ("a.example/1", 301, "/2"),
        ("a.example/2", 302, "http://a.example/3"),
    ]);
    let agent = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)));
    let mut resp = agent.request(get("http://a.example/1")).await.unwrap();
    assert_eq!(resp.status(), 200);
    let history = resp.extensions_mut().remove::<History>().unwrap().0;
    let codes: Vec<u16> = history.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(codes, [301, 302]);
    // Intermediate bodies are buffered (the connection can be reused) and kept.
    assert_eq!(history[0].body().as_bytes(), Some(&b"go to /2"[..]));
    assert_eq!(
        uris(&spy.seen()),
        [
            "http://a.example/1",
            "http://a.example/2",
            "http://a.example/3"
        ]
    );
    assert!(resp.extensions().get::<OriginChanged>().is_none());
}

#[tokio::test]
async fn no_history_without_redirects_and_disabled_following_returns_the_3xx() {
    let spy = routes(&[("a.example/r", 302, "/next")]);
    let agent = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)));
    let resp = agent.request(get("http://a.example/plain")).await.unwrap();
    assert!(resp.extensions().get::<History>().is_none());

    let options = RedirectOptions {
        follow: false,
        ..Default::default()
    };
    let resp = agent
        .request(request("GET", "http://a.example/r", Body::empty(), options))
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert!(resp.extensions().get::<History>().is_none());
    assert_eq!(spy.seen().len(), 2);
}

#[tokio::test]
async fn other_3xx_statuses_are_returned() {
    let spy = Spy::new(|_| {
        reply(304)
            .header("location", "/x")
            .body(Body::empty())
            .unwrap()
    });
    let resp = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
        .request(get("http://a.example/"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);
    assert_eq!(spy.seen().len(), 1);
}

#[tokio::test]
async fn post_and_302_is_refused_by_default() {
    let spy = routes(&[("a.example/form", 302, "/done")]);
    let err = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
        .request(request(
            "POST",
            "http://a.example/form",
            Body::from("x=1"),
            RedirectOptions::default(),
        ))
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::RedirectRefused {
            status: 302,
            location: Some(loc),
        } => {
            assert_eq!(loc.as_str(), "http://a.example/done");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_redirect());
    assert!(err.to_string().contains("POST"), "{err}");
    assert_eq!(spy.seen().len(), 1);
}

#[tokio::test]
async fn see_other_turns_any_method_into_get_without_body_or_body_headers() {
    let spy = routes(&[("a.example/form", 303, "/done")]);
    let mut req = request(
        "POST",
        "http://a.example/form",
        Body::from("x=1"),
        RedirectOptions::default(),
    );
    req.headers_mut()
        .insert(CONTENT_TYPE, "text/plain".parse().unwrap());
    req.headers_mut()
        .insert(CONTENT_LENGTH, "3".parse().unwrap());
    req.headers_mut().insert("x-kept", "1".parse().unwrap());
    let resp = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
        .request(req)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let seen = spy.seen();
    assert_eq!(seen[1].method, http::Method::GET);
    assert_eq!(seen[1].body.as_deref(), Some(&b""[..]));
    assert_eq!(seen[1].header("content-type"), None);
    assert_eq!(seen[1].header("content-length"), None);
    assert_eq!(seen[1].header("x-kept"), Some("1"));
}

#[tokio::test]
async fn head_stays_head_after_303() {
    let spy = routes(&[("a.example/h", 303, "/done")]);
    RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
        .request(request(
            "HEAD",
            "http://a.example/h",
            Body::empty(),
            RedirectOptions::default(),
        ))
        .await
        .unwrap();
    assert_eq!(spy.seen()[1].method, http::Method::HEAD);
}

#[tokio::test]
async fn browser_like_follows_post_as_get_except_307() {
    let browser = RedirectOptions {
        browser_like: true,
        ..Default::default()
    };
    for code in [301u16, 302, 303, 308] {
        let spy = Spy::new(move |seen| {
            if seen.uri.ends_with("/form") {
                redirect(code, "/done")
            } else {
                ok()
            }
        });
        let resp = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
            .request(request(
                "POST",
                "http://a.example/form",
                Body::from("x"),
                browser,
            ))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{code}");
        assert_eq!(spy.seen()[1].method, http::Method::GET, "{code}");
    }
    let spy = routes(&[("a.example/form", 307, "/done")]);
    let err = RedirectAgent::new(RecordAgent::new(spy))
        .request(request(
            "POST",
            "http://a.example/form",
            Body::from("x"),
            browser,
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RedirectRefused { status: 307, .. }
    ));
}

#[tokio::test]
async fn temporary_redirects_replay_an_in_memory_body() {
    let spy = routes(&[("a.example/g", 307, "/h"), ("a.example/h", 308, "/i")]);
    let mut req = request(
        "GET",
        "http://a.example/g",
        Body::from("payload"),
        RedirectOptions::default(),
    );
    req.headers_mut()
        .insert(CONTENT_TYPE, "text/plain".parse().unwrap());
    RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
        .request(req)
        .await
        .unwrap();
    for seen in spy.seen() {
        assert_eq!(seen.body.as_deref(), Some(&b"payload"[..]), "{}", seen.uri);
        assert_eq!(seen.header("content-type"), Some("text/plain"));
    }
}

#[tokio::test]
async fn temporary_redirects_refuse_a_streamed_body() {
    let spy = routes(&[("a.example/g", 307, "/h")]);
    let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("chunk"))]);
    let err = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
        .request(request(
            "GET",
            "http://a.example/g",
            Body::wrap_stream(stream),
            RedirectOptions::default(),
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RedirectRefused { status: 307, .. }
    ));
    assert!(err.to_string().contains("cannot be sent again"), "{err}");
    assert_eq!(spy.seen().len(), 1);
}

#[tokio::test]
async fn a_loop_stops_after_the_limit_with_every_response() {
    let spy = Spy::new(|_| redirect(302, "/loop"));
    let agent = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)));
    let err = agent
        .request(get("http://a.example/loop"))
        .await
        .unwrap_err();
    // treq: 20 redirects are followed, so a loop makes 21 requests.
    assert_eq!(spy.seen().len(), 21);
    assert!(
        matches!(err.kind(), ErrorKind::TooManyRedirects { max: 20 }),
        "{err:?}"
    );
    let History(hops) = err.history_as::<History>().unwrap();
    assert_eq!(hops.len(), 21);
    assert!(hops.iter().all(|r| r.status() == 302));

    let spy = Spy::new(|_| redirect(302, "/loop"));
    let options = RedirectOptions {
        max: 2,
        ..Default::default()
    };
    let err = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
        .request(request(
            "GET",
            "http://a.example/loop",
            Body::empty(),
            options,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.history_as::<History>().map(|h| h.0.len()), Some(3));
    assert!(err.to_string().contains("more than 2"), "{err}");
}

#[tokio::test]
async fn a_redirect_without_usable_location_is_an_error() {
    for location in [None, Some(""), Some("http://[::1")] {
        let spy = Spy::new(move |_| {
            let mut r = reply(301);
            if let Some(l) = location {
                r = r.header("location", l);
            }
            r.body(Body::empty()).unwrap()
        });
        let err = RedirectAgent::new(RecordAgent::new(spy))
            .request(get("http://a.example/"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::RedirectWithoutLocation { status: 301 }
            ),
            "{location:?}: {err:?}"
        );
        assert_eq!(err.url().map(Url::as_str), Some("http://a.example/"));
    }
}

#[tokio::test]
async fn several_different_locations_are_refused_and_repeats_followed() {
    let spy = Spy::new(|seen| {
        let to = match seen.uri.as_str() {
            "http://a.example/two" => ["/x", "http://evil.example/"],
            "http://a.example/same" => ["/x", " /x "],
            _ => return ok(),
        };
        let mut r = reply(302);
        for location in to {
            r = r.header("location", location);
        }
        r.body(Body::empty()).unwrap()
    });
    let agent = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)));
    let err = agent
        .request(get("http://a.example/two"))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RedirectRefused { status: 302, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("several different Location"),
        "{err}"
    );
    // The same target twice is one target.
    let followed = agent.request(get("http://a.example/same")).await.unwrap();
    assert_eq!(followed.status(), 200);
    assert_eq!(
        uris(&spy.seen()),
        [
            "http://a.example/two",
            "http://a.example/same",
            "http://a.example/x"
        ]
    );
}

#[tokio::test]
async fn non_http_targets_are_refused() {
    let spy = routes(&[("a.example/x", 302, "file:///etc/passwd")]);
    let err = RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
        .request(get("http://a.example/x"))
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RedirectRefused { status: 302, .. }
    ));
    assert_eq!(spy.seen().len(), 1);
}

fn with_credentials(uri: &str) -> http::Request<Body> {
    let mut req = get(uri);
    req.extensions_mut()
        .insert(crate::auth::Auth::basic("u", "p"));
    let h = req.headers_mut();
    h.insert(AUTHORIZATION, "Basic dTpw".parse().unwrap());
    h.insert(COOKIE, "mine=1".parse().unwrap());
    h.insert("proxy-authorization", "p".parse().unwrap());
    h.insert("x-api-key", "secret".parse().unwrap());
    h.insert("x-custom", "kept".parse().unwrap());
    req
}

#[tokio::test]
async fn same_origin_hops_keep_every_header() {
    let spy = routes(&[("a.example/1", 302, "http://a.example:80/2")]);
    let (probe, marked) = Probe::over(RecordAgent::new(Arc::clone(&spy)));
    RedirectAgent::new(probe)
        .request(with_credentials("http://a.example/1"))
        .await
        .unwrap();
    let last = spy.seen().pop().unwrap();
    assert_eq!(last.header("authorization"), Some("Basic dTpw"));
    assert_eq!(last.header("cookie"), Some("mine=1"));
    assert_eq!(*marked.lock().unwrap(), [false, false]);
}

/// A layer between the redirect layer and the record, noting whether each
/// hop request carries the `OriginChanged` marker.
struct Probe<A> {
    inner: A,
    marked: Arc<std::sync::Mutex<Vec<bool>>>,
}

impl<A> Probe<A> {
    fn over(inner: A) -> (Self, Arc<std::sync::Mutex<Vec<bool>>>) {
        let marked = Arc::default();
        let probe = Probe {
            inner,
            marked: Arc::clone(&marked),
        };
        (probe, marked)
    }
}

impl<A: Layer> Layer for Probe<A> {
    type Future = A::Future;

    fn call(&self, request: http::Request<Body>) -> A::Future {
        let changed = request.extensions().get::<OriginChanged>().is_some();
        self.marked.lock().unwrap().push(changed);
        self.inner.call(request)
    }
}

#[tokio::test]
async fn cross_origin_hops_strip_credentials_for_good() {
    // other host, then other port, then scheme change, then back home: the
    // credentials never come back.
    let spy = routes(&[
        ("a.example/1", 302, "http://b.example/2"),
        ("b.example/2", 302, "http://b.example:8080/3"),
        ("b.example:8080/3", 302, "https://b.example:8080/4"),
        ("b.example:8080/4", 302, "http://a.example/5"),
    ]);
    let (probe, marked) = Probe::over(RecordAgent::new(Arc::clone(&spy)));
    let agent = RedirectAgent::new(probe).sensitive_headers([HeaderName::from_static("x-api-key")]);
    let resp = agent
        .request(with_credentials("http://a.example/1"))
        .await
        .unwrap();
    assert!(resp.extensions().get::<OriginChanged>().is_some());
    assert_eq!(*marked.lock().unwrap(), [false, true, true, true, true]);
    let seen = spy.seen();
    assert_eq!(seen.len(), 5);
    for hop in &seen[1..] {
        for name in [
            "authorization",
            "cookie",
            "proxy-authorization",
            "x-api-key",
        ] {
            assert_eq!(hop.header(name), None, "{name} leaked to {}", hop.uri);
        }
        assert_eq!(
            hop.header("x-custom"),
            Some("kept"),
            "treq forwards custom headers"
        );
    }
}

#[tokio::test]
async fn https_to_http_downgrade_strips_credentials() {
    let spy = routes(&[("a.example/1", 301, "http://a.example/2")]);
    RedirectAgent::new(RecordAgent::new(Arc::clone(&spy)))
        .request(with_credentials("https://a.example/1"))
        .await
        .unwrap();
    let last = spy.seen().pop().unwrap();
    assert_eq!(last.uri, "http://a.example/2");
    assert_eq!(last.header("authorization"), None);
    assert_eq!(last.header("cookie"), None);
}

#[tokio::test]
async fn cookies_are_re_evaluated_per_hop_from_the_jar() {
    // RedirectAgent -> CookieAgent -> spy, as in the client: a hop's Set-Cookie
    // is sent on the next hop of the same origin, never to another host.
    let spy = Spy::new(|seen| match seen.uri.as_str() {
        "http://a.example/1" => reply(302)
            .header("location", "/2")
            .header("set-cookie", "step=1")
            .body(Body::empty())
            .unwrap(),
        "http://a.example/2" => redirect(302, "http://b.example/3"),
        _ => ok(),
    });
    let jar = CookieJar::new();
    let agent = RedirectAgent::new(crate::cookie::CookieAgent::new(RecordAgent::new(
        Arc::clone(&spy),
    )));
    let mut first = get("http://a.example/1");
    first.extensions_mut().insert(jar.clone());
    agent.request(first).await.unwrap();
    let seen = spy.seen();
    assert_eq!(seen[1].header("cookie"), Some("step=1"));
    assert_eq!(seen[2].header("cookie"), None);
    assert_eq!(jar.get("step").as_deref(), Some("1"));
}

#[tokio::test]
async fn large_intermediate_bodies_are_drained_but_not_kept() {
    let spy = Spy::new(|seen| {
        if seen.uri.ends_with("/big") {
            reply(302)
                .header("location", "/small")
                .body(Body::wrap_stream(futures_util::stream::iter([
                    Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; 40 * 1024])),
                    Ok(Bytes::from(vec![b'y'; 40 * 1024])),
                ])))
                .unwrap()
        } else {
            ok()
        }
    });
    let mut resp = RedirectAgent::new(RecordAgent::new(spy))
        .request(get("http://a.example/big"))
        .await
        .unwrap();
    let history = resp.extensions_mut().remove::<History>().unwrap().0;
    assert_eq!(history[0].status(), 302);
    assert_eq!(history[0].body().as_bytes().map(<[u8]>::len), Some(0));
}
