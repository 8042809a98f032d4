//! `RequestSequence`: requests expected in order, each with its canned
//! response, verified by a guard when it is dropped.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::matchers::{
    Any, BodyField, BoxMatcher, HeadersField, IntoMatcher, MethodField, MultiMap, ParamsField,
    UrlField,
};
use crate::mismatch;
use crate::stubbing::{StubRequest, StubResponse};

/// One expected request: a matcher per field (method, URL, params, headers,
/// body). Fields left unset match anything.
///
/// ```
/// use treq_testing::{any, has_headers, regex, Expect};
/// let e = Expect::new("GET", "http://an.example/foo")
///     .headers(has_headers([("Accept", ["application/json"])]))
///     .body(any());
/// let e = Expect::new(any(), regex("^https://"));
/// ```
pub struct Expect {
    pub(crate) method: BoxMatcher<str>,
    pub(crate) url: BoxMatcher<str>,
    pub(crate) params: BoxMatcher<MultiMap>,
    pub(crate) headers: BoxMatcher<MultiMap>,
    pub(crate) body: BoxMatcher<[u8]>,
}

impl Expect {
    /// Expects this method (case-insensitive, or any matcher) and URL (exact
    /// after normalisation, or any matcher).
    pub fn new(method: impl IntoMatcher<MethodField>, url: impl IntoMatcher<UrlField>) -> Self {
        Expect {
            method: method.into_matcher(),
            url: url.into_matcher(),
            params: Box::new(Any),
            headers: Box::new(Any),
            body: Box::new(Any),
        }
    }

    /// Expects these params (query plus form fields); see
    /// [`params_exact`](crate::params_exact).
    pub fn params(mut self, params: impl IntoMatcher<ParamsField>) -> Self {
        self.params = params.into_matcher();
        self
    }

    /// Expects these headers, usually a [`HasHeaders`](crate::HasHeaders).
    pub fn headers(mut self, headers: impl IntoMatcher<HeadersField>) -> Self {
        self.headers = headers.into_matcher();
        self
    }

    /// Expects this body (exact bytes, a [`regex`](crate::regex()),
    /// [`json_body`](crate::json_body), ...).
    pub fn body(mut self, body: impl IntoMatcher<BodyField>) -> Self {
        self.body = body.into_matcher();
        self
    }

    /// The names of the fields `request` does not match, in the order
    /// method, url, params, headers, body (empty if it matches).
    pub fn mismatches(&self, request: &StubRequest) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.method.matches(&request.method) {
            out.push("method");
        }
        if !self.url.matches(&request.url) {
            out.push("url");
        }
        if !self.params.matches(&request.params) {
            out.push("params");
        }
        if !self.headers.matches(&request.headers) {
            out.push("headers");
        }
        if !self.body.matches(&request.body) {
            out.push("body");
        }
        out
    }
}

impl fmt::Debug for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} {:?} params={:?} headers={:?} body={:?}",
            self.method, self.url, self.params, self.headers, self.body
        )
    }
}

type Reporter = Arc<dyn Fn(String) + Send + Sync>;

/// Requests expected in order, each with the response to send
/// (treq's `RequestSequence`, rules 85–87).
///
/// Serve it with [`StringStubbingResource::from`](crate::StringStubbingResource).
/// Each request is compared with the next expectation:
/// - if it matches, the expectation is consumed and its response sent;
/// - if not, the client gets `500 StubbingError`, the expectation stays, and
///   a report naming the position ("request #2 of 3") and each differing
///   field with expected vs got is recorded;
/// - a request after the last expectation is answered the same way and
///   reported as "No more requests expected, but got ...".
///
/// [`consume`](Self::consume) returns a guard that fails the test when it is
/// dropped if any expectation is left or any mismatch happened.
/// Cheap to clone (clones share the state) and thread-safe.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use treq_testing::{Expect, RequestSequence, StringStubbingResource, StubResponse, StubTreq};
///
/// let seq = RequestSequence::new([(
///     Expect::new("GET", "http://an.example/foo"),
///     StubResponse::new(200).body("ok"),
/// )]);
/// let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
/// let guard = seq.consume();
/// let resp = stub.get("http://an.example/foo").await.unwrap();
/// assert_eq!(resp.text().await.unwrap(), "ok");
/// drop(guard); // passes: everything was consumed
/// # }
/// ```
#[derive(Clone)]
pub struct RequestSequence {
    inner: Arc<Mutex<State>>,
}

struct State {
    entries: VecDeque<(Expect, StubResponse)>,
    total: usize,
    /// Requests received so far (matched or not).
    received: usize,
    failures: Vec<String>,
    reporter: Option<Reporter>,
}

impl RequestSequence {
    /// A sequence of `(expected request, response)` pairs, in order.
    pub fn new(entries: impl IntoIterator<Item = (Expect, StubResponse)>) -> Self {
        let entries: VecDeque<_> = entries.into_iter().collect();
        RequestSequence {
            inner: Arc::new(Mutex::new(State {
                total: entries.len(),
                entries,
                received: 0,
                failures: Vec::new(),
                reporter: None,
            })),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held (a panicking reporter) must not
        // hide later reports.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers one request: the next expectation's response if it matches,
    /// else `500 StubbingError` (and the failure is reported).
    pub fn respond(&self, request: &StubRequest) -> StubResponse {
        let mut state = self.state();
        state.received += 1;
        let total = state.total;
        let position = total - state.entries.len() + 1;
        let failure = match state.entries.front() {
            None => mismatch::extra_request(request, state.received, total),
            Some((expect, _)) => {
                let fields = expect.mismatches(request);
                if fields.is_empty() {
                    let (_, response) = state.entries.pop_front().expect("front exists");
                    return response;
                }
                mismatch::mismatch(position, total, expect, request, &fields)
            }
        };
        state.failures.push(failure.clone());
        let reporter = state.reporter.clone();
        drop(state);
        match reporter {
            Some(report) => report(failure),
            None => eprintln!("RequestSequence: {failure}"),
        }
        StubResponse::new(500).body("StubbingError")
    }

    /// True when every expectation was met (also after an extra request).
    pub fn consumed(&self) -> bool {
        self.state().entries.is_empty()
    }

    /// How many expectations are left.
    pub fn remaining(&self) -> usize {
        self.state().entries.len()
    }

    /// Every failure reported so far (mismatches and extra requests).
    pub fn failures(&self) -> Vec<String> {
        self.state().failures.clone()
    }

    /// `Ok` if everything was consumed and nothing failed; else the full
    /// report (failures, then what is still expected).
    pub fn verify(&self) -> Result<(), String> {
        let state = self.state();
        let mut parts = state.failures.clone();
        if let Some(left) = unconsumed(&state) {
            parts.push(left);
        }
        if parts.is_empty() {
            Ok(())
        } else {
            Err(parts.join("\n\n"))
        }
    }

    /// A guard that, when dropped, panics (failing the test) if expectations
    /// are left or any mismatch happened. Nothing is checked if the thread
    /// is already panicking, so a failing test shows one panic, not two.
    #[must_use = "the sequence is verified when the guard is dropped"]
    pub fn consume(&self) -> ConsumeGuard {
        ConsumeGuard {
            sequence: self.clone(),
            reporter: None,
        }
    }

    /// Like [`consume`](Self::consume), but every failure goes to `reporter`
    /// instead of a panic: mismatches as they happen (including earlier ones,
    /// right away), the unconsumed report when the guard is dropped.
    #[must_use = "the sequence is verified when the guard is dropped"]
    pub fn consume_with(&self, reporter: impl Fn(String) + Send + Sync + 'static) -> ConsumeGuard {
        let reporter: Reporter = Arc::new(reporter);
        let earlier = {
            let mut state = self.state();
            state.reporter = Some(Arc::clone(&reporter));
            state.failures.clone()
        };
        earlier.into_iter().for_each(|msg| reporter(msg));
        ConsumeGuard {
            sequence: self.clone(),
            reporter: Some(reporter),
        }
    }
}

fn unconsumed(state: &State) -> Option<String> {
    if state.entries.is_empty() {
        return None;
    }
    let first = state.total - state.entries.len() + 1;
    let expects: Vec<&Expect> = state.entries.iter().map(|(e, _)| e).collect();
    Some(mismatch::unconsumed(first, state.total, &expects))
}

impl fmt::Debug for RequestSequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        let mut list = f.debug_list();
        for (expect, response) in &state.entries {
            list.entry(&format_args!("{expect:?} => {response:?}"));
        }
        list.finish()
    }
}

/// Verifies a [`RequestSequence`] when dropped; made by
/// [`RequestSequence::consume`] or [`consume_with`](RequestSequence::consume_with).
#[must_use = "the sequence is verified when the guard is dropped"]
pub struct ConsumeGuard {
    sequence: RequestSequence,
    reporter: Option<Reporter>,
}

impl ConsumeGuard {
    /// Checks now instead of on drop (the drop check still runs, so call
    /// this through `std::mem::forget`-free code only if you also want it).
    pub fn verify(&self) -> Result<(), String> {
        self.sequence.verify()
    }
}

impl fmt::Debug for ConsumeGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsumeGuard")
            .field("sequence", &self.sequence)
            .finish()
    }
}

impl Drop for ConsumeGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        match &self.reporter {
            Some(report) => {
                let left = unconsumed(&self.sequence.state());
                if let Some(msg) = left {
                    report(msg);
                }
            }
            None => {
                if let Err(msg) = self.sequence.verify() {
                    panic!("{msg}");
                }
            }
        }
    }
}
