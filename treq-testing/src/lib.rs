//! # treq-testing: test HTTP clients and server handlers in memory
//!
//! No socket, no port, no network: a real hyper HTTP/1.1 client connection
//! talks to a real hyper server connection over `tokio::io::duplex`, so what
//! your code sends is exactly what a server would receive.
//!
//! - [`StubTreq`]: a [`treq::HttpClient`] whose requests are served by a
//!   [`Resource`]. Code written against `HttpClient<A: Agent>` takes it
//!   unchanged.
//! - [`StringStubbingResource`]: answer each [`StubRequest`] from a plain
//!   function returning a [`StubResponse`] or a `(code, headers, body)` tuple.
//! - [`RequestSequence`]: requests expected in order, with field matchers
//!   ([`any()`], [`HasHeaders`], [`regex()`], [`json_body`], [`pred`]) and a
//!   guard that fails the test if something was left or mismatched.
//! - [`ServiceResource`]: test your own server (an axum `Router`, any
//!   `tower::Service`) through the client.
//! - [`Fault`] and [`RecordingResource`]: reset connections, truncated
//!   bodies, delays under tokio's paused clock; every request kept for
//!   later assertions.
//!
//! ## Testing a client with an expected sequence
//!
//! ```
//! use treq_testing::{has_headers, Expect, RequestSequence, StringStubbingResource, StubResponse, StubTreq};
//!
//! async fn make_a_request<A: treq::Agent>(client: &treq::HttpClient<A>) -> treq::Result<serde_json::Value> {
//!     client.get("http://an.example/foo")
//!         .params([("a", "b")])
//!         .header("Accept", "application/json")
//!         .await?
//!         .json()
//!         .await
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> treq::Result<()> {
//! let seq = RequestSequence::new([(
//!     Expect::new("GET", "http://an.example/foo")
//!         .params(treq_testing::params_exact(vec![("a".into(), vec!["b".into()])]))
//!         .headers(has_headers([("Accept", ["application/json"])])),
//!     StubResponse::new(200)
//!         .header("Content-Type", "application/json")
//!         .body(r#"{"status": "ok"}"#),
//! )]);
//! let stub = StubTreq::new(StringStubbingResource::from(seq.clone()));
//! let guard = seq.consume(); // fails the test on drop if expectations are left
//! let value = make_a_request(&stub).await?;
//! assert_eq!(value["status"], "ok");
//! drop(guard);
//! # Ok(()) }
//! ```
//!
//! ## Testing a server handler
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> treq::Result<()> {
//! use axum::{extract::Query, routing::get, Router};
//! use std::collections::HashMap;
//!
//! let app = Router::new().route(
//!     "/greet",
//!     get(|Query(q): Query<HashMap<String, String>>| async move { format!("hello {}", q["name"]) }),
//! );
//! let stub = treq_testing::StubTreq::from_service(app);
//! let resp = stub.get("http://app.test/greet").params([("name", "ann")]).await?;
//! assert_eq!(resp.text().await?, "hello ann");
//! # Ok(()) }
//! ```
//!
//! ## Streaming and time
//!
//! Resources may answer later or stream chunks; [`StubTreq::flush`] drives
//! the in-memory connections until nothing can progress, so a test can step
//! a streaming response deterministically. Timeouts and [`Fault::Delay`] use
//! tokio's clock: under `#[tokio::test(start_paused = true)]` they take no
//! real time. A request the resource never answers (or answers with
//! [`Fault::Hang`]) fails after [`StubTreq::DEFAULT_DEADLINE`] (30 s) with a
//! timeout error naming it, so a test cannot hang; see
//! [`StubTreq::with_deadline`].

#![warn(missing_docs)]

mod fault;
mod matchers;
mod mismatch;
mod recording;
mod resource;
mod sequence;
mod stub;
mod stubbing;
mod traversal;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use crate::fault::Fault;
pub use crate::matchers::{
    any, has_headers, json_body, params_exact, pred, regex, Any, BodyField, BoxMatcher, Field,
    HasHeaders, HeadersField, IntoMatcher, JsonBody, Matcher, MethodField, MultiMap, ParamsExact,
    ParamsField, Pred, Regex, UrlField,
};
pub use crate::recording::RecordingResource;
pub use crate::resource::{
    resource_fn, IntoResourceResponse, Resource, ResourceFuture, ServerRequest, ServiceResource,
};
pub use crate::sequence::{ConsumeGuard, Expect, RequestSequence};
pub use crate::stub::StubTreq;
pub use crate::stubbing::{IntoStubBody, StringStubbingResource, StubRequest, StubResponse};
pub use crate::traversal::RequestTraversalAgent;
#[doc(inline)]
pub use treq_macros::request_sequence;

#[allow(dead_code)]
fn _assert_impls() {
    fn send_sync<T: Send + Sync>() {}
    fn clone<T: Clone>() {}
    send_sync::<StubTreq>();
    send_sync::<RequestSequence>();
    clone::<RequestSequence>();
    send_sync::<RequestTraversalAgent>();
    clone::<RequestTraversalAgent>();
    send_sync::<Expect>();
    send_sync::<StubResponse>();
}
