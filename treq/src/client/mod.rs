//! `HttpClient<A>`: a session over any [`Agent`], with a cookie jar and defaults.

mod config;
mod pipeline;
mod request_builder;

use std::fmt;
use std::sync::Arc;

use http::Method;

use crate::agent::Agent;
use crate::cookie::CookieJar;
use crate::error;
use crate::extensions::{History, HopExtensions};
use crate::request::{to_method, Internal, IntoUrl, Target};
use crate::request::{Assembled, PendingRequest};
use crate::response::Response;
use crate::timeout::Deadline;

pub use self::config::ClientBuilder;
pub(crate) use self::config::ClientConfig;
pub(crate) use self::pipeline::Stack;
pub use self::request_builder::RequestBuilder;

/// A session: an agent, a cookie jar that persists across requests, and
/// defaults. Cheap to clone (clones share the agent and the jar).
///
/// Generic over the [`Agent`] so the same code runs against the network
/// ([`HyperAgent`](crate::HyperAgent)) and in memory (`treq_testing::StubTreq`):
///
/// ```no_run
/// async fn fetch_status<A: treq::Agent>(client: &treq::HttpClient<A>) -> treq::Result<u16> {
///     Ok(client.get("http://127.0.0.1:8080/status/418").await?.code())
/// }
/// ```
pub struct HttpClient<A: Agent> {
    pub(crate) inner: Arc<ClientInner<A>>,
}

/// Gives the client a request is sent on, when it is sent (`None`: the
/// one it was started on). The module-level functions, called outside a
/// runtime (`rt.block_on(treq::get(url).send())`), cannot know the runtime
/// yet, and a pool must not be shared between runtimes.
pub(crate) type AtSend<A> = fn() -> Option<HttpClient<A>>;

pub(crate) struct ClientInner<A: Agent> {
    pub(crate) agent: Arc<A>,
    pub(crate) stack: Stack<A>,
    pub(crate) jar: CookieJar,
    /// Each request gets a jar of its own instead of the session's (the
    /// module-level functions: cookies never outlive one call).
    pub(crate) jar_per_call: bool,
    /// The client a request started on this one is sent on instead, chosen
    /// when it is sent (see [`AtSend`]).
    pub(crate) at_send: Option<AtSend<A>>,
    pub(crate) config: ClientConfig,
}

impl<A: Agent> HttpClient<A> {
    /// A client over `agent` with an empty cookie jar and default settings.
    pub fn new(agent: A) -> Self {
        ClientBuilder::new(agent).build()
    }

    /// Configures a client over `agent`.
    pub fn builder(agent: A) -> ClientBuilder<A> {
        ClientBuilder::new(agent)
    }

    /// The agent requests go through.
    pub fn agent(&self) -> &A {
        &self.inner.agent
    }

    /// The session cookie jar (shared: changes are seen by later requests).
    pub fn cookie_jar(&self) -> &CookieJar {
        &self.inner.jar
    }

    /// Starts a request with any method: a [`Method`], or a name
    /// (case-insensitive: `"gEt"` is GET). An invalid name fails at `send`.
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// let client = treq::HttpClient::new(treq::HyperAgent::new());
    /// client.request(treq::Method::PUT, "http://127.0.0.1:8080/put").await?;
    /// client.request("purge", "http://127.0.0.1:8080/anything").await?;
    /// # Ok(()) }
    /// ```
    pub fn request<M>(&self, method: M, url: impl IntoUrl) -> RequestBuilder<A>
    where
        M: TryInto<Method>,
        M::Error: Into<http::Error>,
    {
        let url = url.into_target(Internal);
        match to_method(method) {
            Ok(m) => RequestBuilder::new(self.clone(), m, url),
            Err(e) => {
                let failed = url.and_then(|u| Err(e.with_url(u.url().clone())));
                RequestBuilder::new(self.clone(), Method::GET, failed)
            }
        }
    }

    fn method(&self, method: Method, url: impl IntoUrl) -> RequestBuilder<A> {
        RequestBuilder::new(self.clone(), method, url.into_target(Internal))
    }

    /// Starts a GET request.
    pub fn get(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.method(Method::GET, url)
    }

    /// Starts a HEAD request.
    pub fn head(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.method(Method::HEAD, url)
    }

    /// Starts a POST request.
    pub fn post(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.method(Method::POST, url)
    }

    /// Starts a PUT request.
    pub fn put(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.method(Method::PUT, url)
    }

    /// Starts a PATCH request.
    pub fn patch(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.method(Method::PATCH, url)
    }

    /// Starts a DELETE request.
    pub fn delete(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.method(Method::DELETE, url)
    }

    /// Starts an OPTIONS request.
    pub fn options(&self, url: impl IntoUrl) -> RequestBuilder<A> {
        self.method(Method::OPTIONS, url)
    }

    pub(crate) fn inner(&self) -> &ClientInner<A> {
        &self.inner
    }
}

impl<A: Agent> Clone for HttpClient<A> {
    fn clone(&self) -> Self {
        HttpClient {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<A: Agent> fmt::Debug for HttpClient<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("agent", &std::any::type_name::<A>())
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl<A: Agent> HttpClient<A> {
    /// Sends an assembled request through the stack, under its deadline, and
    /// wraps the answer.
    pub(crate) async fn execute(
        self,
        pending: crate::Result<Box<PendingRequest>>,
    ) -> crate::Result<Response> {
        if let Some(client) = self.inner.at_send.and_then(|at_send| at_send()) {
            // Boxed: a plain request's future holds none of this one.
            return Box::pin(client.execute(pending)).await;
        }
        let mut pending = pending?;
        let inner = self.inner();
        if let Some(invalid) = &inner.config.invalid {
            return Err(invalid_client(invalid, &pending));
        }
        // A call with a jar of its own (the module-level functions) makes it
        // now only for the request's own cookies; else the cookie layer makes
        // it when a response sets one, and it comes back with the response.
        let jar = if !inner.jar_per_call {
            Some(inner.jar.clone())
        } else if pending.cookies.is_empty() {
            None
        } else {
            Some(CookieJar::new())
        };
        // Each step names the URL in its errors itself, so it is not copied
        // up front for them.
        if pending.needs_file_length() {
            // Boxed: a plain request's future holds none of the file's.
            Box::pin(pending.resolve_file_length()).await?;
        }
        // Taken apart at once: only the request moves on, into the stack.
        // In a block of its own, so the future keeps no room for the
        // request (256 bytes) while it waits for the response.
        let (future, url, timeout, unbuffered, max_body_size) = {
            let Assembled {
                mut request,
                url,
                timeout,
                unbuffered,
                max_body_size,
            } = pending.assemble(&inner.config.defaults, jar.as_ref())?;
            if let (true, Some(jar)) = (inner.jar_per_call, &jar) {
                // The cookie layer holds the session jar; this call has its own.
                with_call_jar(&mut request, jar);
            }
            let future = crate::agent::Layer::call(&inner.stack, request);
            (future, url, timeout, unbuffered, max_body_size)
        };
        let deadline = timeout.map(Deadline::after);
        let response = match crate::timeout::bounded(future, deadline.as_ref()).await {
            Ok(response) => response,
            Err(e) => return Err(failed(e, &url, jar)),
        };
        let jar = match jar {
            Some(jar) => Some(jar),
            None => made_on_the_way(&response),
        };
        Ok(Response::from_http(
            response,
            url,
            deadline,
            unbuffered,
            jar,
            max_body_size,
        ))
    }
}

/// The error for a request on a client whose configuration was refused.
#[cold]
#[inline(never)]
fn invalid_client(invalid: &str, pending: &PendingRequest) -> crate::Error {
    error::builder(invalid.to_owned()).or_url(pending.url.url())
}

/// Gives the request the call's own jar, for the cookie layer.
#[cold]
#[inline(never)]
fn with_call_jar(request: &mut http::Request<crate::Body>, jar: &CookieJar) {
    request.extensions_mut().insert(jar.clone());
}

/// A failed request's error: with its redirect chain, if any, and the URL.
#[cold]
#[inline(never)]
fn failed(error: crate::Error, url: &Target, jar: Option<CookieJar>) -> crate::Error {
    with_history(error, url, jar).or_url(url.url())
}

/// The jar the cookie layer made for a call without one, handed back with
/// the values of the hop it came on.
#[inline(never)]
fn made_on_the_way(response: &http::Response<crate::Body>) -> Option<CookieJar> {
    let HopExtensions(values) = response.extensions().get::<HopExtensions>()?;
    values.get::<CookieJar>().cloned()
}

/// A too-many-redirects error carries the chain's raw responses: they
/// become `Response`s (with the request's jar) for `Error::history`.
#[cold]
#[inline(never)]
fn with_history(mut error: crate::Error, url: &Target, jar: Option<CookieJar>) -> crate::Error {
    match error.take_history::<History>() {
        Some(History(hops)) => {
            // A call's own jar made on the way comes back with the last hop.
            let jar = jar.or_else(|| hops.iter().rev().find_map(made_on_the_way));
            error.with_history(Response::history_of(hops, url, jar.as_ref()))
        }
        None => error,
    }
}
