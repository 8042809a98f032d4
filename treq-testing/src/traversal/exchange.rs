//! The future of one request sent on an in-memory connection: it drives the
//! connection until the response head arrives, fails the request when the
//! deadline passes first, and hands the body over (see `body.rs`).
//!
//! The request was sent (queued on the connection) before this future is
//! made; the future holds only what waiting needs, so the box it lives in is
//! small.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Incoming;
use treq::error::ErrorKind;
use treq::{Body, Error};

use super::body::response_body;
use super::driver::Driver;

pin_project_lite::pin_project! {
    /// Waits for the response head of a request sent on `driver`'s
    /// connection, driving the connection each time it is polled.
    pub(crate) struct Exchange<F> {
        driver: Arc<Driver>,
        // hyper's response future; `None` once the exchange is over.
        #[pin]
        response: Option<F>,
        deadline: Option<Duration>,
        // Started only if the first poll leaves the request pending: a
        // resource that answers at once is answered within that poll, and
        // needs no timer.
        timer: Option<Pin<Box<tokio::time::Sleep>>>,
        // What the deadline's error names.
        method: http::Method,
        uri: http::Uri,
    }

    impl<F> PinnedDrop for Exchange<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.response.is_some() {
                // Cancelled: let the connection see it now (it closes and
                // drops the resource's future), as a task of its own would.
                this.response.set(None);
                this.driver.drive();
            }
        }
    }
}

impl<F> Exchange<F> {
    /// `uri` is the absolute one the request was made with.
    pub(crate) fn new(
        driver: Arc<Driver>,
        response: F,
        deadline: Option<Duration>,
        method: http::Method,
        uri: http::Uri,
    ) -> Self {
        Exchange {
            driver,
            response: Some(response),
            deadline,
            timer: None,
            method,
            uri,
        }
    }
}

impl<F> Future for Exchange<F>
where
    F: Future<Output = hyper::Result<http::Response<Incoming>>>,
{
    type Output = treq::Result<http::Response<Body>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        this.driver.drive();
        let response = this
            .response
            .as_mut()
            .as_pin_mut()
            .expect("polled after completion");
        if let Poll::Ready(outcome) = response.poll(cx) {
            this.response.set(None);
            return Poll::Ready(match outcome {
                Ok(response) => {
                    let driver = Arc::clone(this.driver);
                    let deadline = *this.deadline;
                    Ok(response.map(|body| response_body(body, driver, deadline)))
                }
                Err(e) => Err(Error::from_request_failure(e)),
            });
        }
        this.driver.wait(cx);
        let Some(deadline) = *this.deadline else {
            return Poll::Pending;
        };
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(deadline)));
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        // Given up: the connection sees the request cancelled.
        this.response.set(None);
        this.driver.drive();
        Poll::Ready(Err(deadline_error(this.method, this.uri, deadline)))
    }
}

/// The timeout error of a request the resource did not answer in time.
fn deadline_error(method: &http::Method, uri: &http::Uri, deadline: Duration) -> Error {
    let err = Error::custom(
        ErrorKind::Timeout,
        format!(
            "the stubbed resource did not answer the {method} request within \
             StubTreq's deadline of {deadline:?} (StubTreq::with_deadline changes it)"
        ),
        None,
    );
    match url::Url::parse(&uri.to_string()) {
        Ok(url) => err.with_url(url),
        Err(_) => err,
    }
}
