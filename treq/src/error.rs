//! The one error type of the crate.
//!
//! `Error` is opaque (one pointer wide) with predicates (`is_timeout`, ...) and
//! [`Error::kind`] for the cases callers match on. `Display` says what failed at
//! this level only; the cause is reached through [`std::error::Error::source`].

use std::any::Any;
use std::fmt;

use url::Url;

/// A boxed error usable as an error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A `Result` alias where the error is [`treq::Error`](Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while building, sending or reading a request.
///
/// Cheap to move (one pointer wide), `Send + Sync`, and carries the URL it
/// concerns when one is known. The URL never carries userinfo (a
/// `user:password@` part is removed before it is stored), but it may still
/// hold other secrets (query tokens); use [`Error::without_url`] before
/// logging it if that matters.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Option<String>,
    source: Option<BoxError>,
    url: Option<Url>,
    /// What a too-many-redirects error carries: the redirect layer puts the
    /// raw hops here and the client turns them into `Response`s (so this
    /// module needs neither the layers nor `Response`).
    history: Option<Box<dyn Any + Send + Sync>>,
}

/// What kind of failure an [`Error`] is.
///
/// Non-exhaustive: new kinds may be added. Match with a wildcard arm.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request could not be built: a bad URL, header, body or option combination.
    Builder,
    /// Connecting to the server failed (DNS, refused, unreachable, connect timeout).
    Connect,
    /// The TLS handshake or certificate verification failed.
    Tls,
    /// A proxy failed: it could not be reached, it refused the CONNECT or
    /// the SOCKS handshake, or it asked for credentials (407). The message
    /// names the proxy (scheme, host and port, never its password). Also
    /// [`Error::is_connect`].
    Proxy,
    /// A timeout fired: the whole-request `timeout` deadline, the idle
    /// `read_timeout` (no data for that long), or a connect timeout.
    Timeout,
    /// Sending the request or receiving the response head failed (for example the
    /// server sent an invalid status line or closed the connection).
    Request,
    /// Reading the response body failed, or the body was already consumed.
    Body,
    /// The body could not be decoded (charset, JSON, or content-encoding).
    Decode,
    /// More redirects than the limit allows; [`Error::history`] holds every
    /// response received, oldest first.
    TooManyRedirects {
        /// The most redirects the request allowed.
        max: usize,
    },
    /// The redirect policy refused to follow a redirect (for example a POST
    /// answered with 302 under treq's default rules, or a body that cannot be
    /// replayed for 307/308). `status` and `location` describe the refused hop.
    RedirectRefused {
        /// The redirect's status code.
        status: u16,
        /// The resolved target, when the response named one.
        location: Option<Url>,
    },
    /// A redirect status arrived without a (usable) `Location` header.
    RedirectWithoutLocation {
        /// The redirect's status code.
        status: u16,
    },
    /// A configured size limit was exceeded (for example the maximum
    /// decompressed size).
    BodyLimitExceeded {
        /// The limit, in bytes.
        limit: u64,
    },
    /// An error status was turned into an error with `error_for_status`.
    Status(http::StatusCode),
}

impl Error {
    pub(crate) fn new(mut kind: ErrorKind, source: Option<BoxError>) -> Self {
        // The refused target is shown in Display and Debug: no userinfo.
        if let ErrorKind::RedirectRefused {
            location: Some(location),
            ..
        } = &mut kind
        {
            *location = without_userinfo(location);
        }
        Error {
            inner: Box::new(Inner {
                kind,
                message: None,
                source,
                url: None,
                history: None,
            }),
        }
    }

    /// Attaches a short human-readable message describing this level.
    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = Some(message.into());
        self
    }

    /// Returns what kind of failure this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// Consumes the error and returns its kind (with any history it carries).
    pub fn into_kind(self) -> ErrorKind {
        self.inner.kind
    }

    /// The URL this error concerns, if known.
    pub fn url(&self) -> Option<&Url> {
        self.inner.url.as_ref()
    }

    /// Attaches (or replaces) the URL, without its userinfo: an error is
    /// shown and logged, so `http://user:pass@host/` is kept as `http://host/`.
    pub fn with_url(mut self, mut url: Url) -> Self {
        take_userinfo(&mut url);
        self.inner.url = Some(url);
        self
    }

    /// Attaches the URL (without its userinfo) unless one is already set.
    pub(crate) fn or_url(mut self, url: &Url) -> Self {
        if self.inner.url.is_none() {
            self.inner.url = Some(without_userinfo(url));
        }
        self
    }

    /// Removes the URL (it may contain secrets).
    pub fn without_url(mut self) -> Self {
        self.inner.url = None;
        self
    }

    /// True if the request timed out (the `timeout` deadline, the idle
    /// `read_timeout`, or a connect timeout).
    pub fn is_timeout(&self) -> bool {
        if matches!(self.inner.kind, ErrorKind::Timeout) {
            return true;
        }
        self.inner.source.as_deref().is_some_and(|source| {
            chain_any(source, &|err| {
                err.is::<TimedOut>()
                    || err
                        .downcast_ref::<std::io::Error>()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
                    || err
                        .downcast_ref::<hyper::Error>()
                        .is_some_and(hyper::Error::is_timeout)
            })
        })
    }

    /// True if connecting failed.
    pub fn is_connect(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Connect | ErrorKind::Tls | ErrorKind::Proxy
        )
    }

    /// True if a proxy failed (unreachable, CONNECT or SOCKS refused, 407).
    pub fn is_proxy(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Proxy)
    }

    /// True if the TLS handshake or certificate verification failed.
    pub fn is_tls(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Tls)
    }

    /// True for redirect failures (too many, refused, no Location).
    pub fn is_redirect(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::TooManyRedirects { .. }
                | ErrorKind::RedirectRefused { .. }
                | ErrorKind::RedirectWithoutLocation { .. }
        )
    }

    /// True if decoding the body failed (charset, JSON or content-encoding).
    pub fn is_decode(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Decode)
    }

    /// True if reading the body failed or a size limit was exceeded.
    pub fn is_body(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Body | ErrorKind::BodyLimitExceeded { .. }
        )
    }

    /// True if the request could not be built from its options.
    pub fn is_builder(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Builder)
    }

    /// True if sending the request or receiving the response head failed.
    pub fn is_request(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Request)
    }

    /// True if this error was made from an error status.
    pub fn is_status(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Status(_))
    }

    /// The status code, for errors made from an error status.
    pub fn status(&self) -> Option<http::StatusCode> {
        match self.inner.kind {
            ErrorKind::Status(code) => Some(code),
            _ => None,
        }
    }

    /// Attaches the history of a redirect chain (see `Inner::history`).
    pub(crate) fn with_history<T: Any + Send + Sync>(mut self, history: T) -> Self {
        self.inner.history = Some(Box::new(history));
        self
    }

    /// The attached history, if it is a `T`.
    pub(crate) fn history_as<T: Any>(&self) -> Option<&T> {
        self.inner.history.as_ref()?.downcast_ref()
    }

    /// Takes the attached history out, if it is a `T`.
    pub(crate) fn take_history<T: Any>(&mut self) -> Option<T> {
        match self.inner.history.take()?.downcast::<T>() {
            Ok(history) => Some(*history),
            Err(other) => {
                self.inner.history = Some(other);
                None
            }
        }
    }

    /// A new error of the same kind (without history) and message, whose source
    /// is this error's text. Used where a cached failure must be reported again.
    pub(crate) fn replay(&self) -> Error {
        let kind = match &self.inner.kind {
            ErrorKind::Timeout => ErrorKind::Timeout,
            ErrorKind::Decode => ErrorKind::Decode,
            ErrorKind::BodyLimitExceeded { limit } => {
                ErrorKind::BodyLimitExceeded { limit: *limit }
            }
            _ => ErrorKind::Body,
        };
        let mut err = Error::new(kind, Some(self.to_string_with_sources().into()));
        err.inner.message = Some("reading the body failed earlier".into());
        err.inner.url = self.inner.url.clone();
        err
    }

    fn to_string_with_sources(&self) -> String {
        let mut s = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(err) = source {
            s.push_str(": ");
            s.push_str(&err.to_string());
            source = err.source();
        }
        s
    }

    fn describe_kind(&self) -> String {
        match &self.inner.kind {
            ErrorKind::Builder => "invalid request".into(),
            ErrorKind::Connect => "could not connect".into(),
            ErrorKind::Tls => "TLS handshake or certificate verification failed".into(),
            ErrorKind::Proxy => "the proxy failed".into(),
            ErrorKind::Timeout => "request timed out".into(),
            ErrorKind::Request => "sending the request or receiving the response failed".into(),
            ErrorKind::Body => "reading the response body failed".into(),
            ErrorKind::Decode => "decoding the response body failed".into(),
            ErrorKind::TooManyRedirects { max } => {
                format!("too many redirects (more than {max})")
            }
            ErrorKind::RedirectRefused { status, location } => match location {
                Some(loc) => format!("refused to follow a {status} redirect to {loc}"),
                None => format!("refused to follow a {status} redirect"),
            },
            ErrorKind::RedirectWithoutLocation { status } => {
                format!("{status} redirect without a Location header")
            }
            ErrorKind::BodyLimitExceeded { limit } => {
                format!("body exceeded the limit of {limit} bytes")
            }
            ErrorKind::Status(code) => format!("HTTP status {code}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.message {
            Some(msg) => f.write_str(msg)?,
            None => f.write_str(&self.describe_kind())?,
        }
        if let Some(url) = &self.inner.url {
            write!(f, " for url ({url})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("treq::Error");
        d.field("kind", &self.inner.kind);
        if let Some(msg) = &self.inner.message {
            d.field("message", msg);
        }
        if let Some(url) = &self.inner.url {
            d.field("url", &url.as_str());
        }
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|e| &**e as &(dyn std::error::Error + 'static))
    }
}

/// True if `pred` holds for `err` or any error in its source chain.
///
/// `io::Error::source()` returns the *wrapped error's* source, skipping the
/// wrapped error itself, and transports nest io errors (hyper-rustls reports
/// a bad certificate as `io(Other, io(InvalidData, rustls::Error))`), so an
/// io error is searched through `get_ref()` instead.
pub(crate) fn chain_any(
    err: &(dyn std::error::Error + 'static),
    pred: &dyn Fn(&(dyn std::error::Error + 'static)) -> bool,
) -> bool {
    if pred(err) {
        return true;
    }
    if let Some(inner) = err
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        return chain_any(inner, pred);
    }
    err.source().is_some_and(|source| chain_any(source, pred))
}

/// Marker source for timeouts, so `is_timeout` finds them anywhere in a chain.
#[derive(Debug)]
pub(crate) struct TimedOut;

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation timed out")
    }
}

impl std::error::Error for TimedOut {}

// Constructors, one per kind, so call sites read as intent.

pub(crate) fn builder(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Builder, None).with_message(msg)
}

pub(crate) fn builder_with(msg: impl Into<String>, source: impl Into<BoxError>) -> Error {
    Error::new(ErrorKind::Builder, Some(source.into())).with_message(msg)
}

/// A proxy failure; `message` names the proxy without its password.
#[cfg(feature = "hyper-agent")]
pub(crate) fn proxy(message: impl Into<String>, source: Option<BoxError>) -> Error {
    Error::new(ErrorKind::Proxy, source).with_message(message)
}

pub(crate) fn timeout() -> Error {
    Error::new(ErrorKind::Timeout, Some(Box::new(TimedOut)))
}

pub(crate) fn body(source: impl Into<BoxError>) -> Error {
    Error::new(ErrorKind::Body, Some(source.into()))
}

pub(crate) fn body_msg(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Body, None).with_message(msg)
}

/// A body read error: a treq `Error` inside (e.g. a timeout) is kept as is;
/// anything else (a reset connection, a short body) becomes a body error.
pub(crate) fn from_body_error(err: BoxError) -> Error {
    match err.downcast::<Error>() {
        Ok(e) => *e,
        Err(other) => body(other),
    }
}

pub(crate) fn decode(msg: impl Into<String>, source: Option<BoxError>) -> Error {
    Error::new(ErrorKind::Decode, source).with_message(msg)
}

pub(crate) fn request(source: impl Into<BoxError>) -> Error {
    Error::new(ErrorKind::Request, Some(source.into()))
}

/// Creates errors for agent implementations outside this crate.
///
/// Wrapper agents and custom transports use these so that callers can rely on
/// the predicates (`is_connect`, `is_request`, ...) whatever agent produced them.
impl Error {
    /// An error sending the request or receiving the response head.
    pub fn from_request_failure(source: impl Into<BoxError>) -> Self {
        request(source)
    }

    /// A connection failure.
    pub fn from_connect_failure(source: impl Into<BoxError>) -> Self {
        Error::new(ErrorKind::Connect, Some(source.into()))
    }

    /// An error reading a body.
    pub fn from_body_failure(source: impl Into<BoxError>) -> Self {
        body(source)
    }

    /// An invalid request (bad URL, unsupported scheme, bad option).
    pub fn from_builder_failure(msg: impl Into<String>) -> Self {
        builder(msg)
    }

    /// An error of the given kind with a message and an optional source.
    pub fn custom(kind: ErrorKind, msg: impl Into<String>, source: Option<BoxError>) -> Self {
        Error::new(kind, source).with_message(msg)
    }

    /// Converts any boxed error into a treq `Error`: a treq `Error` inside is
    /// returned as-is, anything else becomes a request failure.
    pub fn from_boxed(err: BoxError) -> Self {
        match err.downcast::<Error>() {
            Ok(e) => *e,
            Err(other) => request(other),
        }
    }
}

// Userinfo (`user:pass@`) is taken out of every URL before anything shows
// or stores it; the rules live here, below every other module, because an
// error is where a URL is shown most.

/// Basic credentials taken out of a URL's userinfo, percent-decoded.
pub(crate) struct Userinfo {
    pub(crate) username: Vec<u8>,
    pub(crate) password: Vec<u8>,
}

/// Removes the userinfo from `url` and returns it, percent-decoded (as curl,
/// reqwest and browsers read `http://user:pass@host/`). A user name alone
/// gives an empty password.
pub(crate) fn take_userinfo(url: &mut Url) -> Option<Userinfo> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
    let taken = Userinfo {
        username: decode(url.username()),
        password: decode(url.password().unwrap_or("")),
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Some(taken)
}

/// `url` without its userinfo, for anything shown or stored.
pub(crate) fn without_userinfo(url: &Url) -> Url {
    let mut url = url.clone();
    take_userinfo(&mut url);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn error_is_one_pointer_and_send_sync() {
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn timeout_is_detected_through_the_chain() {
        assert!(timeout().is_timeout());
        let wrapped = request(timeout());
        assert!(wrapped.is_timeout());
        let io = request(std::io::Error::new(std::io::ErrorKind::TimedOut, "x"));
        assert!(io.is_timeout());
        assert!(!body_msg("nope").is_timeout());
        // An io error wrapping another io error: `source()` alone would skip the inner one.
        let nested =
            std::io::Error::other(std::io::Error::new(std::io::ErrorKind::TimedOut, "slow"));
        assert!(request(nested).is_timeout());
        let nested = std::io::Error::other(std::io::Error::other(TimedOut));
        assert!(Error::from_connect_failure(nested).is_timeout());
        let other =
            std::io::Error::other(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(!request(other).is_timeout());
    }

    #[test]
    fn display_names_the_url_and_source_is_kept() {
        let url = Url::parse("http://example.com/x").unwrap();
        let err = request(std::io::Error::other("boom")).with_url(url);
        assert_eq!(
            err.to_string(),
            "sending the request or receiving the response failed for url (http://example.com/x)"
        );
        assert_eq!(std::error::Error::source(&err).unwrap().to_string(), "boom");
        assert!(err.without_url().url().is_none());
    }

    #[test]
    fn userinfo_never_reaches_the_error() {
        let url = Url::parse("http://alice:hunter2@example.com/x").unwrap();
        let err = request(std::io::Error::other("boom")).with_url(url.clone());
        assert_eq!(err.url().unwrap().as_str(), "http://example.com/x");
        let err = body_msg("short").or_url(&url);
        assert_eq!(err.url().unwrap().as_str(), "http://example.com/x");
        let err = Error::custom(
            ErrorKind::RedirectRefused {
                status: 302,
                location: Some(url),
            },
            "refused",
            None,
        );
        for shown in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
            assert!(
                !shown.contains("hunter2") && !shown.contains("alice"),
                "{shown}"
            );
        }
    }

    #[test]
    fn from_boxed_unwraps_treq_errors() {
        let boxed: BoxError = Box::new(timeout());
        assert!(Error::from_boxed(boxed).is_timeout());
    }
}
