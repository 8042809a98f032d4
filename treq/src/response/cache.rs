//! A buffered body's cache: the network is read once, and every read of
//! the response shares the result.
//!
//! The first read takes the body and reads it; a read that comes while it
//! runs waits for it and then gets the same bytes (or a copy of the same
//! error). A read that was dropped part-way leaves no body and no result:
//! the reads after it say so. One lock holds the whole state, taken once
//! when a read starts and once when it ends. Written here rather than with
//! tokio's `OnceCell` (its first read takes a semaphore permit and closes
//! the semaphore) or `std`'s `OnceLock` (its `set` runs a `Once`), which
//! cost more than the two locks for a response read once.

use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::Notify;

use crate::{Body, Error};

/// A buffered response's body, then the result of reading it.
pub(super) struct BodyCache {
    state: Mutex<State>,
    /// Woken when a read that others wait for ends, finished or dropped.
    ended: Notify,
}

struct State {
    stage: Stage,
    /// A read waits for the one in progress (only then is `ended` woken).
    waited: bool,
}

enum Stage {
    /// Not read yet.
    Unread(Body),
    /// A read holds the body.
    Reading,
    /// Read: the bytes, or the error the read ended with.
    Read(Result<Bytes, Error>),
    /// A read took the body and was dropped before it finished.
    Gone,
}

/// What a read of a buffered response does.
pub(super) enum Turn<'a> {
    /// An earlier read finished: its bytes, or a copy of its error.
    Cached(Result<Bytes, Error>),
    /// This read reads the body, and hands the result to the others.
    Read(Body, Reading<'a>),
    /// An earlier read took the body and was dropped before it finished.
    Gone,
}

impl BodyCache {
    pub(super) fn new(body: Body) -> Self {
        BodyCache {
            state: Mutex::new(State {
                stage: Stage::Unread(body),
                waited: false,
            }),
            ended: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The body not read yet, or the result of the read that finished
    /// (`None`: a read took it and was dropped, or is in progress).
    pub(super) fn into_inner(self) -> Option<Result<Body, Error>> {
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        match state.stage {
            Stage::Unread(body) => Some(Ok(body)),
            Stage::Read(Ok(bytes)) => Some(Ok(Body::from_bytes(bytes))),
            Stage::Read(Err(e)) => Some(Err(e)),
            Stage::Reading | Stage::Gone => None,
        }
    }

    /// This read's turn: the cached result, the body to read, or the news
    /// that it is gone. Waits while another read holds the body.
    pub(super) async fn turn(&self) -> Turn<'_> {
        loop {
            let ended = {
                let mut state = self.lock();
                match std::mem::replace(&mut state.stage, Stage::Reading) {
                    Stage::Unread(body) => return Turn::Read(body, Reading { cache: self }),
                    Stage::Reading => {
                        state.waited = true;
                        // Made under the lock, so the end (which takes it
                        // first) cannot slip in before it.
                        self.ended.notified()
                    }
                    Stage::Read(result) => {
                        let copy = match &result {
                            Ok(bytes) => Ok(bytes.clone()),
                            Err(e) => Err(e.replay()),
                        };
                        state.stage = Stage::Read(result);
                        return Turn::Cached(copy);
                    }
                    Stage::Gone => {
                        state.stage = Stage::Gone;
                        return Turn::Gone;
                    }
                }
            };
            ended.await;
        }
    }

    /// Ends the read in progress with `stage`, waking the reads waiting.
    fn end(&self, stage: Stage) {
        let waited = {
            let mut state = self.lock();
            state.stage = stage;
            std::mem::take(&mut state.waited)
        };
        if waited {
            self.ended.notify_waiters();
        }
    }
}

/// The read that holds the body; when it ends (finished or dropped), the
/// reads waiting for it go on.
pub(super) struct Reading<'a> {
    cache: &'a BodyCache,
}

impl Reading<'_> {
    /// Keeps `result` for every later read.
    pub(super) fn finish(self, result: Result<Bytes, Error>) {
        self.cache.end(Stage::Read(result));
        std::mem::forget(self);
    }
}

impl Drop for Reading<'_> {
    /// Dropped before it finished: the body is gone.
    fn drop(&mut self) {
        self.cache.end(Stage::Gone);
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use super::*;

    /// Polls `future` once.
    async fn poll_once<F: Future + Unpin>(future: &mut F) -> std::task::Poll<F::Output> {
        std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut *future).poll(cx)))
            .await
    }

    /// The first read's hold on the body of `cache`.
    async fn first_read(cache: &BodyCache) -> Reading<'_> {
        let Turn::Read(_, reading) = cache.turn().await else {
            panic!("the first read reads the body");
        };
        reading
    }

    #[tokio::test]
    async fn the_first_read_reads_and_the_next_get_its_result() {
        let cache = BodyCache::new(Body::from("once"));
        let Turn::Read(taken, reading) = cache.turn().await else {
            panic!("the first read reads the body");
        };
        assert_eq!(taken.as_bytes(), Some(&b"once"[..]));
        reading.finish(Ok(Bytes::from_static(b"once")));
        assert!(matches!(cache.turn().await, Turn::Cached(Ok(b)) if b == "once"));
        assert!(matches!(cache.into_inner(), Some(Ok(b)) if b.as_bytes() == Some(b"once")));
    }

    #[tokio::test]
    async fn a_read_waits_for_the_one_in_progress() {
        let cache = BodyCache::new(Body::from("x"));
        let reading = first_read(&cache).await;
        let mut waiter = Box::pin(cache.turn());
        assert!(
            poll_once(&mut waiter).await.is_pending(),
            "a second read waits while the first holds the body"
        );
        reading.finish(Ok(Bytes::from_static(b"x")));
        assert!(matches!(waiter.await, Turn::Cached(Ok(b)) if b == "x"));
    }

    #[tokio::test]
    async fn a_failed_read_hands_a_copy_of_its_error_on() {
        let cache = BodyCache::new(Body::from("x"));
        let reading = first_read(&cache).await;
        reading.finish(Err(crate::error::body_msg("the server went away")));
        let Turn::Cached(Err(e)) = cache.turn().await else {
            panic!("the error is kept");
        };
        assert!(e.is_body(), "{e:?}");
    }

    #[tokio::test]
    async fn a_dropped_read_leaves_the_body_gone_for_the_waiting_and_the_later() {
        let cache = BodyCache::new(Body::from("x"));
        let reading = first_read(&cache).await;
        let mut waiter = Box::pin(cache.turn());
        assert!(poll_once(&mut waiter).await.is_pending());
        drop(reading);
        assert!(matches!(waiter.await, Turn::Gone));
        assert!(matches!(cache.turn().await, Turn::Gone));
        assert!(cache.into_inner().is_none());
    }
}
