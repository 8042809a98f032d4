//! The read-timeout layer, innermost but for the record layer: the idle
//! limit on the wait for each response head and on every body frame.

use super::*;

fn read_timed_out(limit: Duration) -> crate::Error {
    error::timeout().with_message(format!(
        "read timed out: no data from the server for {limit:?} (read_timeout)"
    ))
}

/// Innermost wrapper agent: applies the request's [`ReadTimeout`] to the wait
/// for the response head and to every read of the response body.
pub(crate) struct ReadTimeoutAgent<A> {
    inner: A,
}

impl<A> ReadTimeoutAgent<A> {
    pub(crate) fn new(inner: A) -> Self {
        ReadTimeoutAgent { inner }
    }
}

agent_of_layer!(ReadTimeoutAgent);

impl<A: Layer> Layer for ReadTimeoutAgent<A> {
    type Future = Inline<A::Future>;

    fn call(&self, request: http::Request<Body>) -> Self::Future {
        let Some(limit) = ReadTimeout::of(request.extensions()) else {
            return Inline::Inner(self.inner.call(request));
        };
        let last_progress = Arc::new(Mutex::new(Instant::now()));
        // A streamed request body may take longer than `limit` to go out:
        // each chunk sent counts as progress. An in-memory body is one frame.
        let request = if request.body().as_bytes().is_some() {
            request
        } else {
            let progress = Arc::clone(&last_progress);
            request.map(|body| {
                Body::wrap(UploadProgress {
                    inner: body,
                    last: progress,
                })
            })
        };
        let mut head = self.inner.call(request);
        Inline::Boxed(Box::pin(async move {
            loop {
                let since = *last_progress.lock().unwrap_or_else(|e| e.into_inner());
                match tokio::time::timeout_at(instant_after(since, limit), &mut head).await {
                    Ok(response) => return Ok(response?.map(|body| idle_limited(body, limit))),
                    Err(_elapsed) => {
                        let latest = *last_progress.lock().unwrap_or_else(|e| e.into_inner());
                        if latest == since {
                            return Err(read_timed_out(limit));
                        }
                    }
                }
            }
        }))
    }
}

/// Notes the time each request body frame is handed to the transport.
struct UploadProgress {
    inner: Body,
    last: Arc<Mutex<Instant>>,
}

impl http_body::Body for UploadProgress {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(_))) = &polled {
            *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

/// A response body whose every read fails after `limit` without a frame. An
/// in-memory body cannot stall and is returned as it is.
pub(super) fn idle_limited(body: Body, limit: Duration) -> Body {
    if body.as_bytes().is_some() {
        return body;
    }
    Body::wrap(IdleBody {
        inner: body,
        limit,
        sleep: Box::pin(tokio::time::sleep(limit.min(FAR))),
        armed: false,
    })
}

struct IdleBody {
    inner: Body,
    limit: Duration,
    sleep: Pin<Box<Sleep>>,
    /// Whether `sleep` is counting: it starts when a read finds no data (time
    /// the caller spends not reading does not count) and stops at each frame.
    armed: bool,
}

impl http_body::Body for IdleBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            self.armed = false;
            return Poll::Ready(frame);
        }
        if !self.armed {
            let at = instant_after(Instant::now(), self.limit);
            self.sleep.as_mut().reset(at);
            self.armed = true;
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(read_timed_out(self.limit))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}
