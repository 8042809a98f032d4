//! # treq: HTTP for humans, on tokio and hyper
//!
//! A high-level async HTTP client with the ease of Python's `requests`/`treq`:
//! params, headers, form, JSON and multipart bodies, cookies that persist in a
//! session, redirects with their history, Basic/Digest/Bearer auth and
//! `.netrc`, transparent decompression, one timeout from send to the last body
//! byte, and responses read as bytes, text or JSON.
//!
//! ```no_run
//! # async fn run() -> treq::Result<()> {
//! // One-off requests use a shared connection pool.
//! let response = treq::get("http://127.0.0.1:8080/get")
//!     .params([("foo", "bar"), ("baz", "bax")])
//!     .header("Accept", "application/json")
//!     .await?;
//! println!("{} {}", response.code(), response.phrase());
//! let body: serde_json::Value = response.json().await?;
//!
//! // A session keeps its cookies across requests.
//! let client = treq::HttpClient::new(treq::HyperAgent::new());
//! let response = client
//!     .post("http://127.0.0.1:8080/post")
//!     .json(&serde_json::json!({"msg": "Hello!"}))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! ## Architecture
//!
//! [`HttpClient`] is generic over an [`Agent`]: one method from a request to
//! a future response. The client sends every request through a fixed stack
//! of layers, each an agent over the next, outermost first: auth →
//! decompression → redirects → cookies → read timeout → record → your agent.
//! In production that is [`HyperAgent`] (pooled HTTP/1.1 and HTTP/2 over
//! rustls); in tests the in-memory `treq_testing::RequestTraversalAgent`.
//! Any `tower::Service` becomes an agent through
//! [`agent::ServiceAgent`]. The repository's `ARCHITECTURE.md` follows one
//! request through the files.
//!
//! The root holds what most programs use; the rest lives in modules:
//!
//! - [`agent`]: the [`Agent`] trait, [`HyperAgent`] and its builder,
//!   [`Proxy`] and `NoProxy`, boxing and the tower adapter.
//! - [`auth`]: [`Auth`] (Basic, Bearer, Digest).
//! - [`cookie`]: [`CookieJar`], its builder and lookups.
//! - [`error`]: [`Error`], [`error::ErrorKind`].
//! - [`multipart`]: [`Part`] for `files`.
//! - [`request`](mod@request): the shapes the builder methods accept (sealed traits).
//! - [`response`]: [`Response`], the request as sent, and treq's free
//!   functions `collect`, `content`, `text_content`, `json_content`.
//!
//! ## Cookies
//!
//! Each [`HttpClient`] keeps a [`CookieJar`] ([`HttpClient::cookie_jar`]);
//! [`Response::cookies`] is a copy of it. [`CookieJar::get_for`] gives the
//! value that would be sent to one URL; [`CookieJar::get`] and
//! [`CookieJar::try_get`] look a name up in any domain (`None`, or an error
//! naming each domain and path, when several cookies share it). Lookups
//! return owned values.
//!
//! ```
//! let jar = treq::CookieJar::new();
//! jar.add_cookie_str("sid=1; Path=/", "http://shop.example/")?;
//! assert_eq!(jar.get_for("http://shop.example/cart", "sid").as_deref(), Some("1"));
//! assert_eq!(jar.get("sid").as_deref(), Some("1"));
//! // A Domain that spells a public suffix some other way is refused too.
//! assert!(jar.add_cookie_str("x=1; Domain=ｃｏ.ｕｋ", "http://www.evil.co.uk/").is_err());
//! # Ok::<(), treq::Error>(())
//! ```
//!
//! A server cannot flood the jar: by default a cookie holds at most 4096
//! bytes of name and value, a site at most 180 cookies and the jar 3000, the
//! least recently used going first; [`CookieJar::builder`] sets other limits.
//!
//! ## Proxies
//!
//! Every [`HyperAgent`], and so `treq::get` and the other module-level
//! functions, follows `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and
//! `NO_PROXY` (lowercase names win; `HTTP_PROXY` is ignored when
//! `REQUEST_METHOD` is set). [`HyperAgentBuilder::proxy`](agent::HyperAgentBuilder::proxy)
//! replaces them with explicit [`Proxy`]s, the first matching one used;
//! [`no_proxy`](agent::HyperAgentBuilder::no_proxy) connects directly.
//! `http://` URLs go to an HTTP proxy in absolute form, `https://` ones
//! through a CONNECT tunnel with TLS to the origin inside; an `https://`
//! proxy URL adds TLS to the proxy itself; `socks5://` and `socks5h://`
//! proxies carry both. A proxy that fails is an error with
//! [`Error::is_proxy`] (and [`Error::is_connect`]) naming it, never its
//! password.
//!
//! ```no_run
//! # async fn run() -> treq::Result<()> {
//! use treq::agent::NoProxy;
//! let agent = treq::HyperAgent::builder()
//!     .proxy(treq::Proxy::https("http://user:pass@proxy.internal:3128"))
//!     .proxy(
//!         treq::Proxy::all("socks5h://127.0.0.1:1080")
//!             .no_proxy(NoProxy::from_string("localhost, .internal")),
//!     )
//!     .build()?;
//! let client = treq::HttpClient::new(agent);
//! let response = client.get("https://example.org/").await?;
//! # Ok(()) }
//! ```
//!
//! ## Transport
//!
//! [`HyperAgentBuilder`](agent::HyperAgentBuilder) chooses how connections
//! are made: fixed addresses per host name with `resolve` (the URL, SNI and
//! the certificate check keep the name) or a resolver of your own with
//! `dns_resolver` ([`agent::Resolve`]); a client certificate for mutual TLS
//! (`identity_pem`, `identity_der`); HTTP/2 with prior knowledge on
//! `http://` URLs (`http2_prior_knowledge`); the local address
//! (`local_address`) and TCP keepalive (`tcp_keepalive`); and, on Unix, one
//! Unix domain socket for every request (`unix_socket`). A setting that
//! cannot work (unreadable PEM, a key that does not fit its certificate) is
//! an [`is_builder`](Error::is_builder) error from `build`; a resolver that
//! fails, or a socket that cannot be opened, an
//! [`is_connect`](Error::is_connect) error of the request; a refused client
//! certificate an [`is_tls`](Error::is_tls) error.
//!
//! ```no_run
//! # async fn run() -> treq::Result<()> {
//! use std::net::SocketAddr;
//! use std::time::Duration;
//!
//! let cert = std::fs::read("client.crt").unwrap();
//! let key = std::fs::read("client.key").unwrap();
//! let agent = treq::HyperAgent::builder()
//!     // api.example.com is reached on 10.0.0.7, still verified as api.example.com.
//!     .resolve("api.example.com", [SocketAddr::from(([10, 0, 0, 7], 443))])
//!     .identity_pem(cert, key)
//!     .tcp_keepalive(Duration::from_secs(60))
//!     .build()?;
//! let client = treq::HttpClient::new(agent);
//! let response = client.get("https://api.example.com/v1/status").await?;
//!
//! // The Docker API, over its Unix socket.
//! # #[cfg(unix)] {
//! let docker = treq::HttpClient::new(
//!     treq::HyperAgent::builder().unix_socket("/var/run/docker.sock").build()?,
//! );
//! let version = docker.get("http://docker/version").await?.text().await?;
//! # }
//! # Ok(()) }
//! ```
//!
//! ## Optional features
//!
//! - `hyper-agent` (default): [`HyperAgent`] and the module-level functions.
//! - `gzip`, `deflate`, `brotli`, `zstd` (default): response decompression;
//!   `Accept-Encoding` lists exactly the enabled codecs.

#![warn(missing_docs)]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

// The crate is a stack of layers (see ARCHITECTURE.md): the module-level
// functions and `HttpClient` build requests, `client` composes the wrapper
// layers, and each layer talks to the next through the `Agent` trait and the
// request-scoped values in `extensions`.

pub mod agent;
pub mod auth;
mod body;
mod client;
pub mod cookie;
mod decompress;
pub mod error;
mod extensions;
pub mod multipart;
mod record;
mod redirect;
pub mod request;
pub mod response;
mod timeout;

#[cfg(feature = "hyper-agent")]
mod api;

pub use crate::agent::Agent;
#[cfg(feature = "hyper-agent")]
pub use crate::agent::HyperAgent;
#[cfg(feature = "hyper-agent")]
pub use crate::agent::Proxy;
#[cfg(feature = "hyper-agent")]
pub use crate::api::{delete, get, head, options, patch, post, put, request};
pub use crate::auth::Auth;
pub use crate::body::Body;
pub use crate::client::{ClientBuilder, HttpClient, RequestBuilder};
pub use crate::cookie::CookieJar;
pub use crate::error::{Error, Result};
pub use crate::multipart::Part;
pub use crate::response::Response;

#[doc(no_inline)]
pub use http::{header, Method, StatusCode};
#[doc(no_inline)]
pub use url::Url;

/// Runs the workspace README's code blocks as doctests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

#[allow(dead_code)]
fn _assert_impls() {
    fn send_sync<T: Send + Sync>() {}
    fn clone<T: Clone>() {}
    send_sync::<Error>();
    send_sync::<Response>();
    send_sync::<Body>();
    #[cfg(feature = "hyper-agent")]
    {
        send_sync::<HttpClient<HyperAgent>>();
        clone::<HttpClient<HyperAgent>>();
        fn send<T: Send>() {}
        send::<RequestBuilder<HyperAgent>>();
    }
}
