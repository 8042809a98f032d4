//! How the client's own layers compose: by value, under no box of their own.
//!
//! Every layer of the client's stack (auth, decompression, redirects,
//! cookies, the read timeout, the record) is an [`Agent`], so it can be
//! tested over any agent and wrapped by any. Inside the stack they meet
//! through [`Layer`] instead, whose future is a concrete type: the client's
//! send future then holds the whole stack's work inline, and the only boxed
//! future of a plain request is the one the user's agent returns. A boxed
//! future per layer cost an allocation, a free and a move of the request
//! each, about 350 instructions a layer per request (measured with
//! `bench/callgrind.sh`).
//!
//! A layer's rare paths (a redirect chain, a digest exchange, a read
//! timeout) still box: [`Inline::Boxed`] holds them.
//!
//! To add a layer: implement [`Layer`] for it over `A: Layer`, its future
//! one of [`Then`] (the inner future, then the layer's [`OnResponse`] step
//! on its response, if the request needs one), [`Inline`] (the inner future
//! as it is, or the layer's own boxed work) or, for a layer whose work can
//! grow into more requests, a small future of its own; then
//! `agent_of_layer!` gives it its `Agent` impl.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::{Agent, ResponseFuture};
use crate::{Body, Error};

/// A layer of the client's stack: an agent whose future is a concrete type.
pub(crate) trait Layer: Send + Sync + 'static {
    /// The layer's response future. `Unpin`, so the futures that hold it
    /// poll it in place with no pinning of their own.
    type Future: Future<Output = Result<http::Response<Body>, Error>> + Send + Unpin + 'static;

    /// Sends `request` on, as [`Agent::request`] does.
    fn call(&self, request: http::Request<Body>) -> Self::Future;
}

/// The user's agent, at the bottom of the stack: its boxed future as it is.
impl<A: Agent + ?Sized> Layer for Arc<A> {
    type Future = ResponseFuture;

    fn call(&self, request: http::Request<Body>) -> ResponseFuture {
        (**self).request(request)
    }
}

/// The future of a layer that usually hands its inner future on as it is,
/// and boxes its own work when it has some.
pub(crate) enum Inline<F> {
    /// The inner layer's future, untouched.
    Inner(F),
    /// This layer's own (less common) work.
    Boxed(ResponseFuture),
}

impl<F> Inline<F> {
    /// A future that fails at once with `error`.
    pub(crate) fn fail(error: Error) -> Self {
        Inline::Boxed(Box::pin(std::future::ready(Err(error))))
    }
}

impl<F> Future for Inline<F>
where
    F: Future<Output = Result<http::Response<Body>, Error>> + Unpin,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.get_mut() {
            Inline::Inner(inner) => Pin::new(inner).poll(cx),
            Inline::Boxed(boxed) => boxed.as_mut().poll(cx),
        }
    }
}

/// What a layer does to its inner future's response, once it comes.
pub(crate) trait OnResponse: Send + 'static {
    fn on_response(self, response: http::Response<Body>) -> http::Response<Body>;
}

/// The future of a layer that works on the response: the inner future,
/// then the layer's step on its response (none: the response as it is).
pub(crate) struct Then<F, S> {
    inner: F,
    step: Option<S>,
}

impl<F, S> Then<F, S> {
    /// `inner`'s response as it is.
    pub(crate) fn pass(inner: F) -> Self {
        Then { inner, step: None }
    }

    /// `inner`'s response, through `step`.
    pub(crate) fn new(inner: F, step: S) -> Self {
        Then {
            inner,
            step: Some(step),
        }
    }
}

impl<F, S> Future for Then<F, S>
where
    F: Future<Output = Result<http::Response<Body>, Error>> + Unpin,
    S: OnResponse + Unpin,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let response = std::task::ready!(Pin::new(&mut this.inner).poll(cx))?;
        Poll::Ready(Ok(match this.step.take() {
            Some(step) => step.on_response(response),
            None => response,
        }))
    }
}

/// `impl Agent` for a layer generic over its inner `A: Layer`: its future,
/// boxed.
macro_rules! agent_of_layer {
    ($layer:ident) => {
        impl<A: $crate::agent::Layer> $crate::agent::Agent for $layer<A> {
            fn request(
                &self,
                request: http::Request<$crate::Body>,
            ) -> $crate::agent::ResponseFuture {
                Box::pin($crate::agent::Layer::call(self, request))
            }
        }
    };
}
pub(crate) use agent_of_layer;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::spy::{reply, Spy};

    /// Marks the response it sees.
    struct Mark;

    impl OnResponse for Mark {
        fn on_response(self, mut response: http::Response<Body>) -> http::Response<Body> {
            *response.status_mut() = http::StatusCode::ACCEPTED;
            response
        }
    }

    #[tokio::test]
    async fn then_runs_its_step_on_the_response_or_passes_it_on() {
        let spy = Spy::new(|_| reply(204).body(Body::empty()).unwrap());
        let marked = Then::new(spy.call(http::Request::new(Body::empty())), Mark);
        assert_eq!(marked.await.unwrap().status(), 202);
        let passed = Then::<_, Mark>::pass(spy.call(http::Request::new(Body::empty())));
        assert_eq!(passed.await.unwrap().status(), 204);
    }

    #[tokio::test]
    async fn inline_polls_the_inner_future_or_the_boxed_one() {
        let spy = Spy::new(|_| reply(204).body(Body::empty()).unwrap());
        let inner = Inline::Inner(spy.call(http::Request::new(Body::empty())));
        assert_eq!(inner.await.unwrap().status(), 204);
        let failed = Inline::<ResponseFuture>::fail(crate::error::body_msg("gone"));
        assert!(failed.await.unwrap_err().to_string().contains("gone"));
    }
}
