//! `RecordingResource`: keeps every request for assertions after the fact.

use std::fmt;
use std::sync::{Arc, Mutex};

use treq::Body;

use super::{Resource, ResourceFuture, ServerRequest, StubRequest};

/// Records each request (as a [`StubRequest`]) and passes it on to an inner
/// resource. Clone it before handing it to the stub: clones share the record.
///
/// Every request is recorded and passed on, one that cannot be read whole
/// too (form fields that do not parse): its record says why in
/// [`StubRequest::read_error`], and the inner resource gets the body as it
/// arrived.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use treq_testing::resource::RecordingResource;
/// use treq_testing::StubTreq;
///
/// let recorder = RecordingResource::ok();
/// let stub = StubTreq::new(recorder.clone());
/// stub.post("http://api.test/items").data("hello").await.unwrap();
/// let requests = recorder.requests();
/// assert_eq!(requests[0].method, "POST");
/// assert_eq!(requests[0].body, "hello");
/// # }
/// ```
#[derive(Clone)]
pub struct RecordingResource {
    inner: Arc<dyn Resource>,
    requests: Arc<Mutex<Vec<StubRequest>>>,
}

impl RecordingResource {
    /// Records, then lets `inner` answer.
    pub fn new(inner: impl Resource) -> Self {
        RecordingResource {
            inner: Arc::new(inner),
            requests: Arc::default(),
        }
    }

    /// Records and answers `200` with an empty body.
    pub fn ok() -> Self {
        RecordingResource::new(|_req: ServerRequest| async { http::Response::new(Body::empty()) })
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<StubRequest> {
        self.lock().clone()
    }

    /// The latest request.
    pub fn last(&self) -> Option<StubRequest> {
        self.lock().last().cloned()
    }

    /// How many requests were recorded.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True if no request was recorded.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Forgets the recorded requests.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<StubRequest>> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for RecordingResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingResource")
            .field("requests", &*self.lock())
            .finish_non_exhaustive()
    }
}

impl Resource for RecordingResource {
    fn call(&self, mut request: ServerRequest) -> ResourceFuture {
        let this = self.clone();
        Box::pin(async move {
            let stub = StubRequest::read(&mut request).await;
            this.lock().push(stub);
            this.inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StubTreq;

    #[tokio::test]
    async fn a_request_whose_form_does_not_parse_is_recorded_and_passed_on() {
        let recorder = RecordingResource::new(|mut req: ServerRequest| async move {
            let body = req.body_bytes().await.unwrap_or_default();
            http::Response::new(Body::from_bytes(body))
        });
        let stub = StubTreq::new(recorder.clone());
        let resp = stub
            .post("http://a.test/x?q=1")
            .header("Content-Type", "multipart/form-data; boundary=XX")
            .data("not multipart")
            .await
            .unwrap();
        assert_eq!(resp.code(), 200, "the inner resource answers");
        assert_eq!(resp.text().await.unwrap(), "not multipart", "with the body");
        // The multipart header without a body: nothing to parse either.
        let resp = stub
            .get("http://a.test/y")
            .header("Content-Type", "multipart/form-data; boundary=XX")
            .await
            .unwrap();
        assert_eq!(resp.code(), 200);
        let requests = recorder.requests();
        assert_eq!(requests.len(), 2, "{requests:?}");
        assert_eq!(requests[0].body, "not multipart");
        assert_eq!(requests[0].params["q"], vec!["1"]);
        assert!(
            requests.iter().all(|r| r.read_error.is_some()),
            "{requests:?}"
        );
        assert_eq!(requests[1].url, "http://a.test/y");
    }
}
