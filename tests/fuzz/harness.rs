//! What every family shares: the case counts, a runtime per test thread, and
//! an in-memory agent that answers each request with a generated response.

use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use treq::agent::ResponseFuture;
use treq::{Agent, Body};

/// Cases per property: `PROPTEST_CASES` when set, else `default` (kept small
/// so the default `cargo test` stays fast).
pub(crate) fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Cases for the properties that open a socket per case: a tenth of
/// `PROPTEST_CASES` (at least 1) when set, else `default`.
pub(crate) fn socket_cases(default: u32) -> u32 {
    match std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        Some(n) => (n / 10).max(1),
        None => default,
    }
}

/// A proptest config with `cases` cases and no shrinking limit worth noting.
pub(crate) fn config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        // Shrinking a failure down to a readable repro is worth the time.
        max_shrink_iters: 4096,
        // Failures are kept beside the module (tests/fuzz/<module>.proptest-regressions)
        // and replayed first on the next run.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..proptest::test_runner::Config::default()
    }
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
}

/// Runs `future` on this test thread's current-thread runtime, within
/// [`crate::support::TEST_BOUND`] (a hang fails the case).
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.with(|rt| rt.block_on(crate::support::bounded("a fuzz case", future)))
}

/// One request as the agent saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) uri: http::Uri,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

type Reply = dyn Fn(usize, &Seen) -> http::Response<Body> + Send + Sync;

/// An agent without sockets: records each request (its in-memory body read
/// whole) and answers with `reply(index, &request)`.
#[derive(Clone)]
pub(crate) struct Scripted {
    seen: Arc<Mutex<Vec<Seen>>>,
    reply: Arc<Reply>,
}

impl Scripted {
    pub(crate) fn new(
        reply: impl Fn(usize, &Seen) -> http::Response<Body> + Send + Sync + 'static,
    ) -> Self {
        Scripted {
            seen: Arc::default(),
            reply: Arc::new(reply),
        }
    }

    /// Every request received so far, in order.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Agent for Scripted {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        let this = self.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect_bytes(None).await?;
            let seen = Seen {
                uri: parts.uri,
                headers: parts.headers,
                body,
            };
            let index = {
                let mut all = this.seen.lock().unwrap();
                all.push(seen.clone());
                all.len() - 1
            };
            Ok((this.reply)(index, &seen))
        })
    }
}

/// A response with `status`, the given raw header lines (those `http` refuses
/// as a name or value are left out: hyper would refuse them on the wire too)
/// and `body`.
pub(crate) fn response(
    status: u16,
    headers: &[(Vec<u8>, Vec<u8>)],
    body: impl Into<Bytes>,
) -> http::Response<Body> {
    let mut out = http::Response::new(Body::from_bytes(body.into()));
    *out.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name),
            http::HeaderValue::from_bytes(value),
        ) {
            out.headers_mut().append(name, value);
        }
    }
    out
}

/// Fails the case unless `err` is a kind a server's answer may produce (a
/// response can never be a mistake in how the request was built).
pub(crate) fn check_server_error(
    err: &treq::Error,
) -> Result<(), proptest::test_runner::TestCaseError> {
    use proptest::prop_assert;
    let text = err.to_string();
    prop_assert!(!text.is_empty(), "an error without a message: {err:?}");
    prop_assert!(
        !err.is_builder() && !err.is_connect() && !err.is_tls(),
        "a server's answer became a {:?} error: {err}",
        err.kind()
    );
    Ok(())
}
