//! [`RequestSequence`]: requests expected in order, each with its canned
//! response ([`Expect`] says what is expected of one request), verified when
//! the stub serving it is dropped ([`StubTreq::verifying`](crate::StubTreq::verifying))
//! or when a [`ConsumeGuard`] is dropped.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::resource::{
    answer_stub_request, Resource, ResourceFuture, ServerRequest, StringStubbingResource,
    StubRequest, StubResponse,
};

mod expect;
mod report;

pub use self::expect::Expect;

type Reporter = Arc<dyn Fn(String) + Send + Sync>;

/// Requests expected in order, each with the response to send (treq's
/// `RequestSequence`).
///
/// A sequence is a [`Resource`]: serve it with [`StubTreq::verifying`]
/// (verified when the stub is dropped) or [`StubTreq::new`] (verified by
/// [`consume`](Self::consume)'s guard or [`verify`](Self::verify)).
/// Each request is compared with the next expectation:
/// - if it matches, the expectation is consumed and its response sent;
/// - if not, the client gets `500 StubbingError`, the expectation stays, and
///   a report naming the position ("request #2 of 3") and each differing
///   field with expected vs got is recorded;
/// - a request after the last expectation is answered the same way and
///   reported as "No more requests expected, but got ...".
///
/// A request the stub cannot read whole (a `multipart/form-data` body that
/// does not parse, say) is compared too, and never matches: its params are
/// reported as unknown.
///
/// Cheap to clone (clones share the state) and thread-safe.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use treq_testing::{Expect, RequestSequence, StubResponse, StubTreq};
///
/// let seq = RequestSequence::new([(
///     Expect::new("GET", "http://an.example/foo"),
///     StubResponse::new(200).body("ok"),
/// )]);
/// let stub = StubTreq::verifying(seq);
/// let resp = stub.get("http://an.example/foo").await.unwrap();
/// assert_eq!(resp.text().await.unwrap(), "ok");
/// drop(stub); // passes: everything was consumed
/// # }
/// ```
///
/// [`StubTreq::verifying`]: crate::StubTreq::verifying
/// [`StubTreq::new`]: crate::StubTreq::new
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
            None => report::extra_request(request, state.received, total),
            Some((expect, _)) => {
                let fields = expect.mismatches(request);
                if fields.is_empty() {
                    let (_, response) = state.entries.pop_front().expect("front exists");
                    return response;
                }
                report::mismatch(position, total, expect, request, &fields)
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

impl Resource for RequestSequence {
    fn call(&self, request: ServerRequest) -> ResourceFuture {
        let sequence = self.clone();
        Box::pin(answer_stub_request(request, move |stub| {
            sequence.respond(stub)
        }))
    }
}

impl StringStubbingResource {
    /// Serves a [`RequestSequence`]: each request is checked against the next
    /// expectation (see [`RequestSequence::respond`]). A sequence is itself a
    /// [`Resource`], so `StubTreq::new(seq)` does the same.
    pub fn from_sequence(sequence: RequestSequence) -> Self {
        StringStubbingResource::new(move |req| sequence.respond(req))
    }
}

impl From<RequestSequence> for StringStubbingResource {
    fn from(sequence: RequestSequence) -> Self {
        StringStubbingResource::from_sequence(sequence)
    }
}

impl From<&RequestSequence> for StringStubbingResource {
    fn from(sequence: &RequestSequence) -> Self {
        StringStubbingResource::from_sequence(sequence.clone())
    }
}

fn unconsumed(state: &State) -> Option<String> {
    if state.entries.is_empty() {
        return None;
    }
    let first = state.total - state.entries.len() + 1;
    let expects: Vec<&Expect> = state.entries.iter().map(|(e, _)| e).collect();
    Some(report::unconsumed(first, state.total, &expects))
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
    /// Checks now, without waiting for the drop (which still checks).
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
