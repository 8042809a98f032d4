//! `StubTreq`: an `HttpClient` over the in-memory traversal agent.

use std::fmt;
use std::ops::Deref;
use std::time::Duration;

use treq::{ClientBuilder, HttpClient};

use crate::resource::{Resource, ServiceResource};
use crate::sequence::RequestSequence;
use crate::traversal::RequestTraversalAgent;

/// A treq client whose requests are served in memory by a [`Resource`].
///
/// Derefs to [`HttpClient<RequestTraversalAgent>`](treq::HttpClient), so code
/// written against `HttpClient<A: Agent>` takes it unchanged (pass `&stub`).
/// There is one client: cookies persist across requests, as in a session.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> treq::Result<()> {
/// use treq_testing::{StringStubbingResource, StubTreq};
///
/// async fn fetch_status<A: treq::Agent>(client: &treq::HttpClient<A>) -> treq::Result<u16> {
///     Ok(client.get("http://service.test/status").await?.code())
/// }
///
/// let stub = StubTreq::new(StringStubbingResource::new(|_req| (204, "")));
/// assert_eq!(fetch_status(&stub).await?, 204);
/// # Ok(()) }
/// ```
///
/// When dropped, it panics (failing the test) if the resource panicked while
/// serving a request, or, for a stub made by [`verifying`](Self::verifying),
/// if its [`RequestSequence`] has expectations left or saw a request that did
/// not match; all of it in one panic, and nothing is checked if the thread is
/// already panicking (a failing test shows its own panic, not a second one).
/// Use [`take_failures`](Self::take_failures) to inspect and clear the
/// resource's panics first.
///
/// A request the resource does not answer within
/// [`DEFAULT_DEADLINE`](Self::DEFAULT_DEADLINE) (30 s of tokio time) fails
/// with a timeout error naming it, even without a client timeout, and so
/// does a read of a body that sends nothing more for that long, so a test
/// cannot hang forever; see [`with_deadline`](Self::with_deadline).
pub struct StubTreq {
    client: HttpClient<RequestTraversalAgent>,
    /// Checked when the stub is dropped (see [`StubTreq::verifying`]).
    verify: Option<RequestSequence>,
}

impl StubTreq {
    /// How long a request waits for the resource's answer unless
    /// [`with_deadline`](Self::with_deadline) says otherwise.
    pub const DEFAULT_DEADLINE: Duration = crate::traversal::DEFAULT_DEADLINE;

    /// A client serving every request with `resource` (a
    /// [`RequestSequence`], a [`StringStubbingResource`](crate::StringStubbingResource),
    /// an async closure, ...).
    pub fn new(resource: impl Resource) -> Self {
        StubTreq {
            client: HttpClient::new(RequestTraversalAgent::new(resource)),
            verify: None,
        }
    }

    /// A client serving `sequence` that verifies it when dropped, like
    /// wiremock's `MockServer`: the drop panics (failing the test) if an
    /// expectation is left or a request did not match, with the sequence's
    /// full report ([`RequestSequence::verify`]). A test that already failed
    /// (the thread is panicking) is not checked again.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> treq::Result<()> {
    /// use treq_testing::{request_sequence, StubTreq};
    ///
    /// let stub = StubTreq::verifying(request_sequence! {
    ///     GET "http://an.example/health" => 204;
    /// });
    /// assert_eq!(stub.get("http://an.example/health").await?.code(), 204);
    /// # Ok(()) }   // the stub is dropped here: every expectation was met
    /// ```
    ///
    /// To inspect the sequence while the stub lives, pass a clone:
    /// `StubTreq::verifying(seq.clone())` (clones share their state).
    pub fn verifying(sequence: RequestSequence) -> Self {
        let mut stub = StubTreq::new(sequence.clone());
        stub.verify = Some(sequence);
        stub
    }

    /// A client serving a `tower::Service` (for example an axum `Router`);
    /// see [`ServiceResource`].
    pub fn from_service<S>(service: S) -> Self
    where
        ServiceResource<S>: Resource,
    {
        StubTreq::new(ServiceResource::new(service))
    }

    /// A client configured by `configure` (default headers, a timeout, ...).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use treq_testing::{StringStubbingResource, StubTreq};
    /// let stub = StubTreq::with_builder(StringStubbingResource::new(|_r| 200), |b| {
    ///     b.timeout(Duration::from_secs(2))
    /// });
    /// ```
    pub fn with_builder(
        resource: impl Resource,
        configure: impl FnOnce(
            ClientBuilder<RequestTraversalAgent>,
        ) -> ClientBuilder<RequestTraversalAgent>,
    ) -> Self {
        let builder = HttpClient::builder(RequestTraversalAgent::new(resource));
        StubTreq {
            client: configure(builder).build(),
            verify: None,
        }
    }

    /// Sets how long each request may wait for the resource to answer (its
    /// response head), in tokio time; `None` waits forever (until a client
    /// timeout, if any). Past it the request fails with an error for which
    /// [`is_timeout`](treq::Error::is_timeout) is true, naming the method and
    /// URL of the request still pending. The default is
    /// [`DEFAULT_DEADLINE`](Self::DEFAULT_DEADLINE).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::time::Duration;
    /// use treq_testing::{Fault, StringStubbingResource, StubResponse, StubTreq};
    ///
    /// let stub = StubTreq::new(StringStubbingResource::new(|_req| {
    ///     StubResponse::new(200).fault(Fault::Hang)
    /// }))
    /// .with_deadline(Duration::from_millis(50));
    /// let err = stub.get("http://never.test/answer").await.unwrap_err();
    /// assert!(err.is_timeout());
    /// assert!(err.to_string().contains("GET"), "{err}");
    /// assert!(err.to_string().contains("http://never.test/answer"), "{err}");
    /// # }
    /// ```
    pub fn with_deadline(self, deadline: impl Into<Option<Duration>>) -> Self {
        self.client.agent().set_deadline(deadline);
        self
    }

    /// The deadline of each request; see [`with_deadline`](Self::with_deadline).
    pub fn deadline(&self) -> Option<Duration> {
        self.client.agent().deadline()
    }

    /// The client.
    pub fn client(&self) -> &HttpClient<RequestTraversalAgent> {
        &self.client
    }

    /// Drives pending in-memory I/O until nothing can progress; see
    /// [`RequestTraversalAgent::flush`].
    pub async fn flush(&self) {
        self.client.agent().flush().await;
    }

    /// Panic messages of the resource so far.
    pub fn failures(&self) -> Vec<String> {
        self.client.agent().failures()
    }

    /// Returns and clears the panic messages of the resource, so that
    /// dropping the stub does not fail the test.
    pub fn take_failures(&self) -> Vec<String> {
        self.client.agent().take_failures()
    }
}

impl Deref for StubTreq {
    type Target = HttpClient<RequestTraversalAgent>;

    fn deref(&self) -> &Self::Target {
        &self.client
    }
}

impl fmt::Debug for StubTreq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StubTreq")
            .field("agent", self.client.agent())
            .finish_non_exhaustive()
    }
}

impl Drop for StubTreq {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let mut report = Vec::new();
        let failures = self.take_failures();
        if !failures.is_empty() {
            report.push(format!(
                "the stubbed resource panicked while serving {} request(s):\n- {}",
                failures.len(),
                failures.join("\n- ")
            ));
        }
        if let Some(Err(unmet)) = self.verify.take().map(|seq| seq.verify()) {
            report.push(unmet);
        }
        if !report.is_empty() {
            panic!("{}", report.join("\n\n"));
        }
    }
}
