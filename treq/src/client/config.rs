//! `ClientBuilder`: a client's settings before it is built.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderMap;

use super::{AtSend, HttpClient};
use crate::agent::Agent;
use crate::cookie::CookieJar;
use crate::extensions::mark_sensitive;
use crate::request::{Defaults, HeaderKey, Internal, IntoHeaders};

/// Client-wide settings: the defaults every request falls back on, and
/// those of the layers.
#[derive(Debug, Clone)]
pub(crate) struct ClientConfig {
    pub(crate) defaults: Defaults,
    pub(crate) max_decompressed_size: Option<u64>,
    /// `.netrc`: off, the default path (`None`), or a file.
    pub(crate) netrc: Option<Option<PathBuf>>,
    /// The first invalid option given to the builder: every request fails
    /// with it, so a bad default header is never silently dropped.
    pub(crate) invalid: Option<String>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            defaults: Defaults::default(),
            max_decompressed_size: Some(crate::decompress::DEFAULT_LIMIT),
            netrc: None,
            invalid: None,
        }
    }
}

/// Builds an [`HttpClient`].
#[must_use]
pub struct ClientBuilder<A: Agent> {
    agent: A,
    jar: Option<CookieJar>,
    config: ClientConfig,
    error: Option<crate::Error>,
}

impl<A: Agent> ClientBuilder<A> {
    pub(super) fn new(agent: A) -> Self {
        ClientBuilder {
            agent,
            jar: None,
            config: ClientConfig::default(),
            error: None,
        }
    }

    /// Headers sent with every request (a request's own value for the same
    /// name replaces them).
    pub fn default_headers(mut self, headers: impl IntoHeaders) -> Self {
        let mut map = HeaderMap::new();
        match headers.append_to(&mut map, Internal) {
            Ok(()) => self.config.defaults.headers.extend(map),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self.mark_sensitive_defaults();
        self
    }

    /// Secret default headers print as `Sensitive` in every `Debug`.
    fn mark_sensitive_defaults(&mut self) {
        mark_sensitive(
            &mut self.config.defaults.headers,
            &self.config.defaults.sensitive_headers,
        );
    }

    /// A default deadline for every request (a request's own `timeout` wins).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.defaults.timeout = (!timeout.is_zero()).then_some(timeout);
        self
    }

    /// A default read timeout for every request (a request's own
    /// `read_timeout` wins): the longest the server may stay silent. It bounds
    /// the wait for each response head (a streamed request body still going
    /// out counts as activity) and each wait for the next piece of the body;
    /// every piece that arrives starts the count again. So a slow but steady
    /// download succeeds, and a server that stops sending (or sends the head
    /// a byte at a time) fails with [`is_timeout`](crate::Error::is_timeout)
    /// after `read_timeout`. It covers every hop of a redirect chain and
    /// every digest retry, and works with `timeout`: whichever fires first
    /// ends the request, and the error says which one it was. Zero means
    /// none (the default).
    ///
    /// ```no_run
    /// # async fn run() -> treq::Result<()> {
    /// use std::time::Duration;
    /// let client = treq::HttpClient::builder(treq::HyperAgent::new())
    ///     .read_timeout(Duration::from_secs(2))
    ///     .timeout(Duration::from_secs(60))
    ///     .build();
    /// match client.get("http://127.0.0.1:8080/drip").await?.content().await {
    ///     Ok(body) => println!("{} bytes", body.len()),
    ///     // "read timed out: no data from the server for 2s (read_timeout)"
    ///     Err(e) if e.is_timeout() => eprintln!("{e}"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.config.defaults.read_timeout = (!timeout.is_zero()).then_some(timeout);
        self
    }

    /// The default most redirects to follow (20 unless set).
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.config.defaults.max_redirects = max;
        self
    }

    /// Extra header names stripped, like `Authorization`, on cross-origin
    /// redirects. Their values also print as `Sensitive` in every `Debug`
    /// (as `Authorization`, `Proxy-Authorization` and `Cookie` always do).
    pub fn sensitive_headers<I, K>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: HeaderKey,
    {
        for name in names {
            match name.to_header_name(Internal) {
                Ok(n) => self.config.defaults.sensitive_headers.push(n),
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            }
        }
        self.mark_sensitive_defaults();
        self
    }

    /// The most bytes a compressed response may expand to, in any of its
    /// decoding layers (default 1 GiB; `None` for no limit). Past it, reading
    /// fails with [`ErrorKind::BodyLimitExceeded`](crate::error::ErrorKind::BodyLimitExceeded).
    ///
    /// This is the cap for streaming reads of an `unbuffered(true)` response
    /// too. Buffered reads are also held to
    /// [`max_body_size`](Self::max_body_size), whichever is smaller.
    pub fn max_decompressed_size(mut self, limit: Option<u64>) -> Self {
        self.config.max_decompressed_size = limit;
        self
    }

    /// The most bytes a read that holds the whole body in memory may collect:
    /// `content`, `text` and `json` (buffered or not), and `collect` on a
    /// buffered response. Counted after decompression; `None` for no limit.
    /// Past it the read fails with
    /// [`ErrorKind::BodyLimitExceeded`](crate::error::ErrorKind::BodyLimitExceeded);
    /// a `Content-Length` above it fails before any body byte is read.
    /// A request's own [`max_body_size`](crate::RequestBuilder::max_body_size)
    /// wins.
    ///
    /// Streaming an `unbuffered(true)` response (`collect`, `into_body`,
    /// `bytes_stream`) is not limited by it. A compressed body of a buffered
    /// request is decoded up to this limit however it is read.
    ///
    /// The default is 128 MiB: a 2-core, 24 GiB machine running 64 buffered
    /// requests at once holds at most 8 GiB of bodies, a third of its memory,
    /// leaving room for a copy of each (`text()` makes one) and the rest of
    /// the program; a 1 MB gzip bomb then stops at 128 MiB instead of 1 GiB.
    ///
    /// ```no_run
    /// let client = treq::HttpClient::builder(treq::HyperAgent::new())
    ///     .max_body_size(Some(16 << 20)) // 16 MiB
    ///     .build();
    /// ```
    pub fn max_body_size(mut self, limit: Option<u64>) -> Self {
        self.config.defaults.max_body_size = limit;
        self
    }

    /// Reads credentials from `.netrc` (`$NETRC`, else `~/.netrc`) for requests
    /// that carry no auth of their own. The file's `default` entry is used for
    /// https requests only; over plain http only hosts with their own
    /// `machine` entry get credentials.
    pub fn netrc(mut self, enabled: bool) -> Self {
        self.config.netrc = enabled.then_some(None);
        self
    }

    /// Reads `.netrc` credentials, as [`netrc`](Self::netrc) does, from the
    /// file at `path`.
    pub fn netrc_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.netrc = Some(Some(path.into()));
        self
    }

    /// Uses `jar` as the session jar (share it between clients, or pre-fill it).
    pub fn cookie_jar(mut self, jar: CookieJar) -> Self {
        self.jar = Some(jar);
        self
    }

    /// Builds the client. An invalid option given to the builder (say, a
    /// default header value with a line break) is not dropped: every request
    /// of the client then fails with it as a builder error. Use
    /// [`try_build`](Self::try_build) to see it here instead.
    pub fn build(self) -> HttpClient<A> {
        self.build_with(false, None)
    }

    /// `jar_per_call`: every request gets a fresh jar (the module-level
    /// functions), else the session jar.
    fn build_with(self, jar_per_call: bool, at_send: Option<AtSend<A>>) -> HttpClient<A> {
        let ClientBuilder {
            agent,
            jar,
            mut config,
            error,
        } = self;
        if let Some(e) = error {
            config.invalid = Some(format!("invalid client option: {e}"));
        }
        let agent = Arc::new(agent);
        let jar = jar.unwrap_or_default();
        let session_jar = (!jar_per_call).then(|| jar.clone());
        let stack = super::pipeline::build_stack(Arc::clone(&agent), &config, session_jar);
        HttpClient {
            inner: Arc::new(super::ClientInner {
                agent,
                stack,
                jar,
                jar_per_call,
                at_send,
                config,
            }),
        }
    }

    /// A client whose every request gets a fresh cookie jar (the
    /// module-level functions), built once and shared.
    #[cfg(feature = "hyper-agent")]
    pub(crate) fn build_jar_per_call(self) -> HttpClient<A> {
        self.build_with(true, None)
    }

    /// Like [`build_jar_per_call`](Self::build_jar_per_call), for requests
    /// started where the client they belong on is not known yet: each is
    /// sent on the client `at_send` gives when it is sent, if any.
    #[cfg(feature = "hyper-agent")]
    pub(crate) fn build_sent_elsewhere(self, at_send: AtSend<A>) -> HttpClient<A> {
        self.build_with(true, Some(at_send))
    }

    /// Builds the client, or returns the first invalid option given.
    pub fn try_build(mut self) -> crate::Result<HttpClient<A>> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(self.build()),
        }
    }
}

impl<A: Agent> fmt::Debug for ClientBuilder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
