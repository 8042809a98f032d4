//! # treq-testing: test HTTP clients and server handlers in memory
//!
//! No socket, no port, no network: a real hyper HTTP/1.1 client connection
//! talks to a real hyper server connection over `tokio::io::duplex`, so what
//! your code sends is exactly what a server would receive.
//!
//! - [`StubTreq`]: a [`treq::HttpClient`] whose requests are served by a
//!   [`Resource`]. Code written against `HttpClient<A: Agent>` takes it
//!   unchanged.
//! - [`RequestSequence`]: requests expected in order ([`Expect`], with the
//!   field matchers of [`matchers`]), each answered by its [`StubResponse`];
//!   [`StubTreq::verifying`] serves one and fails the test when the stub is
//!   dropped if something was left or mismatched. [`request_sequence!`]
//!   declares one as data.
//! - [`StringStubbingResource`]: answer each [`StubRequest`] from a plain
//!   function returning a [`StubResponse`] or a `(code, headers, body)` tuple.
//! - [`resource`]: the server side ([`Resource`], [`ServerRequest`]) and the
//!   other resources: [`ServiceResource`](resource::ServiceResource) tests
//!   your own server (an axum `Router`, any `tower::Service`) through the
//!   client, [`RecordingResource`](resource::RecordingResource) keeps every
//!   request, [`Fault`] resets connections, truncates bodies or delays under
//!   tokio's paused clock.
//! - [`RequestTraversalAgent`]: the in-memory [`treq::Agent`] under
//!   `StubTreq`, for code that takes an agent.
//!
//! ## Testing a client with an expected sequence
//!
//! ```
//! use treq_testing::matchers::{has_headers, params_exact};
//! use treq_testing::{Expect, RequestSequence, StubResponse, StubTreq};
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
//!         .params(params_exact(vec![("a".into(), vec!["b".into()])]))
//!         .headers(has_headers([("Accept", ["application/json"])])),
//!     StubResponse::new(200)
//!         .header("Content-Type", "application/json")
//!         .body(r#"{"status": "ok"}"#),
//! )]);
//! // Serves the sequence; dropping the stub fails the test if expectations
//! // are left or a request did not match.
//! let stub = StubTreq::verifying(seq);
//! let value = make_a_request(&stub).await?;
//! assert_eq!(value["status"], "ok");
//! # Ok(()) }
//! ```
//!
//! To check the sequence at another point, serve a clone
//! (`StubTreq::new(seq.clone())`) and call [`RequestSequence::verify`], or
//! hold the guard of [`RequestSequence::consume`].
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
//! timeout error naming it, as does a body read that waits that long for
//! more, so a test cannot hang; see [`StubTreq::with_deadline`].

#![warn(missing_docs)]
// Every dependency declared is used (the lint is not in the workspace table:
// the integration-test crates of the root package each use only some).
#![warn(unused_crate_dependencies)]

pub mod matchers;
mod normalize;
pub mod resource;
pub mod sequence;
mod stub;
mod traversal;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use crate::resource::{
    Fault, Resource, ServerRequest, StringStubbingResource, StubRequest, StubResponse,
};
pub use crate::sequence::{Expect, RequestSequence};
pub use crate::stub::StubTreq;
pub use crate::traversal::RequestTraversalAgent;
#[doc(inline)]
pub use treq_macros::request_sequence;

// A dev-dependency for the doctests only (the unit tests see it too).
#[cfg(test)]
use axum as _;

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
