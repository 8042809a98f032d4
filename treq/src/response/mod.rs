//! `Response`: the status line, headers, URL, history, and the body read
//! (buffered, any number of times; or unbuffered, once) as bytes, text or JSON.

mod cache;
mod content;

use std::fmt;
use std::sync::Mutex;

use bytes::Bytes;
use http::header::{HeaderMap, CONTENT_TYPE};
use http::{StatusCode, Version};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use url::Url;

use crate::cookie::CookieJar;
use crate::error::{self, ErrorKind};
use crate::extensions::History;
use crate::request::{Target, DEFAULT_MAX_BODY_SIZE};
use crate::timeout::Deadline;
use crate::{Body, Error};

use self::cache::{BodyCache, Turn};
pub use self::content::{collect, content, json_content, text_content};
pub(crate) use self::content::{decode_text, encoding_from_headers};
pub use crate::extensions::SentRequest;

enum BodyState {
    Buffered { cache: BodyCache },
    Unbuffered { pending: Mutex<Option<Body>> },
}

/// An HTTP response.
///
/// By default the body is buffered: [`content`](Self::content),
/// [`text`](Self::text) and [`json`](Self::json) may be called any number of
/// times and read the network once. With `unbuffered(true)` the body streams
/// in constant memory and can be read once.
///
/// Reads that hold the whole body (`content`, `text`, `json`, and `collect`
/// on a buffered response) stop at the body limit, 128 MiB unless set with
/// `max_body_size` on the client or the request; streaming an unbuffered
/// response is not limited.
pub struct Response {
    /// Boxed: a response is moved through every `await` up to the caller,
    /// and its parts are several hundred bytes.
    inner: Box<Inner>,
}

struct Inner {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    reason: Option<String>,
    /// The URL asked for: `url()` when the record knows none (a response
    /// from a bare agent). Moved in, never copied.
    requested: Target,
    /// What the layers and the transport put on the response, the record
    /// of the request (`SentRequest`) among them: kept whole and read when
    /// asked, as taking values out of the map costs more than keeping it.
    extensions: http::Extensions,
    history: Vec<Response>,
    jar: Option<CookieJar>,
    length: Option<u64>,
    body: BodyState,
    /// The most bytes a read that keeps the whole body may collect.
    max_body_size: Option<u64>,
}

/// A reason phrase other than the standard one, as text.
#[cold]
#[inline(never)]
fn reason_text(reason: &hyper::ext::ReasonPhrase) -> String {
    String::from_utf8_lossy(reason.as_bytes()).into_owned()
}

impl Response {
    pub(crate) fn from_http(
        response: http::Response<Body>,
        requested: Target,
        deadline: Option<Deadline>,
        unbuffered: bool,
        jar: Option<CookieJar>,
        max_body_size: Option<u64>,
    ) -> Self {
        let (mut parts, body) = response.into_parts();
        let history = match parts.extensions.remove::<History>() {
            Some(History(hops)) => Self::history_of(hops, &requested, jar.as_ref()),
            None => Vec::new(),
        };
        let reason = parts
            .extensions
            .get::<hyper::ext::ReasonPhrase>()
            .map(reason_text);
        let is_head = parts
            .extensions
            .get::<SentRequest>()
            .is_some_and(|r| r.method() == http::Method::HEAD);
        let length = if is_head {
            Some(0)
        } else {
            body.content_length()
        };
        let body = match deadline {
            Some(deadline) => deadline.wrap_body(body),
            None => body,
        };
        let body = if unbuffered {
            BodyState::Unbuffered {
                pending: Mutex::new(Some(body)),
            }
        } else {
            BodyState::Buffered {
                cache: BodyCache::new(body),
            }
        };
        let inner = Inner {
            status: parts.status,
            version: parts.version,
            headers: parts.headers,
            reason,
            requested,
            extensions: parts.extensions,
            history,
            jar,
            length,
            body,
            max_body_size,
        };
        Response {
            inner: Box::new(inner),
        }
    }

    /// The responses of a redirect chain, for `history()` (and for
    /// `Error::history`). Out of line (as is every rare step of making a
    /// response), so a plain response's code stays small.
    #[cold]
    #[inline(never)]
    pub(crate) fn history_of(
        hops: Vec<http::Response<Body>>,
        requested: &Target,
        jar: Option<&CookieJar>,
    ) -> Vec<Response> {
        hops.into_iter()
            .map(|hop| {
                let limit = Some(DEFAULT_MAX_BODY_SIZE);
                Response::from_http(hop, requested.clone(), None, false, jar.cloned(), limit)
            })
            .collect()
    }

    /// Sets the limit of reads that keep the whole body (`None`: no limit).
    #[cfg(test)]
    fn with_max_body_size(mut self, limit: Option<u64>) -> Self {
        self.inner.max_body_size = limit;
        self
    }

    /// The status code as a number (`200`).
    pub fn code(&self) -> u16 {
        self.inner.status.as_u16()
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The reason phrase the server sent, else the standard one for the code
    /// (`""` for an unknown code).
    pub fn phrase(&self) -> &str {
        match &self.inner.reason {
            Some(reason) => reason,
            None => self.inner.status.canonical_reason().unwrap_or(""),
        }
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// The HTTP version of the response.
    pub fn version(&self) -> Version {
        self.inner.version
    }

    /// The body length when known before reading it (`Content-Length`; `0` for
    /// HEAD; unknown for chunked or decompressed bodies).
    pub fn length(&self) -> Option<u64> {
        self.inner.length
    }

    /// The URL of this response (after redirects, the last one).
    pub fn url(&self) -> &Url {
        match self.request().and_then(SentRequest::url) {
            Some(url) => url,
            None => self.inner.requested.url(),
        }
    }

    /// The request that produced this response, as sent.
    pub fn request(&self) -> Option<&SentRequest> {
        self.inner.extensions.get::<SentRequest>()
    }

    /// The earlier responses of the redirect chain, oldest first (`[]` when
    /// there was no redirect).
    pub fn history(&self) -> &[Response] {
        &self.inner.history
    }

    /// The response just before this one in the redirect chain.
    pub fn previous_response(&self) -> Option<&Response> {
        self.inner.history.last()
    }

    /// A copy of the session's cookie jar as it is now: the request's cookies
    /// and every `Set-Cookie` of the redirect chain (treq's `cookies()`). Each
    /// call makes a new copy; an empty jar when the response came from no client.
    ///
    /// ```no_run
    /// # async fn f() -> treq::Result<()> {
    /// let resp = treq::get("http://127.0.0.1:8080/cookies/set?hello=there")
    ///     .allow_redirects(false)
    ///     .await?;
    /// assert_eq!(resp.cookies().get("hello").as_deref(), Some("there"));
    /// # Ok(()) }
    /// ```
    pub fn cookies(&self) -> CookieJar {
        self.inner
            .jar
            .as_ref()
            .map(CookieJar::snapshot)
            .unwrap_or_default()
    }

    /// Returns an error for a 4xx or 5xx status, else the response.
    pub fn error_for_status(self) -> crate::Result<Self> {
        if self.inner.status.is_client_error() || self.inner.status.is_server_error() {
            Err(Error::new(ErrorKind::Status(self.inner.status), None).with_url(self.url().clone()))
        } else {
            Ok(self)
        }
    }

    fn take_pending(pending: &Mutex<Option<Body>>, buffered: bool) -> crate::Result<Body> {
        let taken = pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        taken.ok_or_else(|| Self::gone(buffered))
    }

    /// The error of a read that finds the body taken.
    fn gone(buffered: bool) -> Error {
        // A buffered body is only ever missing when a read of it was
        // dropped part-way (e.g. raced in `select!`): the bytes it had
        // consumed are gone, so say that rather than "read once".
        error::body_msg(if buffered {
            "the response body is gone: an earlier read of it was cancelled before it finished"
        } else {
            "the response body was already read (unbuffered responses can be read once)"
        })
    }

    /// Reads the whole body (cached when buffered).
    pub async fn content(&self) -> crate::Result<Bytes> {
        self.read(None::<fn(Bytes)>)
            .await
            .map_err(|e| e.or_url(self.url()))
    }

    /// Calls `f` with each chunk of the body in arrival order. A response of
    /// length 0 (or to HEAD) never calls it. On a buffered response that was
    /// already read, `f` gets the whole body as one chunk.
    pub async fn collect(&self, f: impl FnMut(Bytes)) -> crate::Result<()> {
        if self.inner.length == Some(0) {
            return Ok(());
        }
        self.read(Some(f))
            .await
            .map(drop)
            .map_err(|e| e.or_url(self.url()))
    }

    /// Fails a read that keeps the body when its declared length is already
    /// over the limit, before any body byte is read.
    fn check_declared_length(&self, body: &Body) -> crate::Result<()> {
        match (self.inner.max_body_size, body.content_length()) {
            (Some(limit), Some(declared)) if declared > limit => {
                Err(
                    Error::new(ErrorKind::BodyLimitExceeded { limit }, None).with_message(format!(
                        "the response body is {declared} bytes (Content-Length), more than the \
                 limit of {limit} bytes for reading it whole"
                    )),
                )
            }
            _ => Ok(()),
        }
    }

    /// Reads the whole body into memory, within the limit.
    async fn collect_whole(&self, body: Body) -> crate::Result<Bytes> {
        self.check_declared_length(&body)?;
        body.collect_bytes(self.inner.max_body_size).await
    }

    async fn read(&self, mut sink: Option<impl FnMut(Bytes)>) -> crate::Result<Bytes> {
        match &self.inner.body {
            BodyState::Unbuffered { pending } => {
                let body = Self::take_pending(pending, false)?;
                match sink {
                    // Streaming keeps nothing: no limit.
                    Some(f) => stream_into(body, f, None).await,
                    None => self.collect_whole(body).await,
                }
            }
            BodyState::Buffered { cache } => {
                let (body, reading) = match cache.turn().await {
                    Turn::Cached(Ok(bytes)) => {
                        if let Some(f) = sink.as_mut() {
                            if !bytes.is_empty() {
                                f(bytes.clone());
                            }
                        }
                        return Ok(bytes);
                    }
                    Turn::Cached(Err(e)) => return Err(e),
                    Turn::Gone => return Err(Self::gone(true)),
                    Turn::Read(body, reading) => (body, reading),
                };
                let read = match sink.as_mut() {
                    Some(f) => match self.check_declared_length(&body) {
                        Ok(()) => stream_into(body, f, Some(self.inner.max_body_size)).await,
                        Err(e) => Err(e),
                    },
                    None => self.collect_whole(body).await,
                };
                // This read reports its own error; later ones a copy.
                match read {
                    Ok(bytes) => {
                        reading.finish(Ok(bytes.clone()));
                        Ok(bytes)
                    }
                    Err(e) => {
                        reading.finish(Err(e.replay()));
                        Err(e)
                    }
                }
            }
        }
    }

    /// The body as text: the charset of the last `Content-Type` header, else
    /// ISO-8859-1 (UTF-8 for `application/json`). Undecodable bytes are an error.
    pub async fn text(&self) -> crate::Result<String> {
        self.text_with("ISO-8859-1").await
    }

    /// The body as text, with `default_encoding` (a label such as `"utf-8"`)
    /// used when the headers name no charset.
    pub async fn text_with(&self, default_encoding: &str) -> crate::Result<String> {
        let bytes = self.content().await?;
        let label = encoding_from_headers(&self.inner.headers)
            .unwrap_or_else(|| default_encoding.to_owned());
        decode_text(&bytes, &label).map_err(|e| e.or_url(self.url()))
    }

    /// Parses the body as JSON (text decoded by the header charset, else UTF-8).
    pub async fn json<T: DeserializeOwned>(&self) -> crate::Result<T> {
        let bytes = self.content().await?;
        let label = encoding_from_headers(&self.inner.headers);
        let parsed = match label.as_deref() {
            None | Some("utf-8") | Some("utf8") => {
                let raw = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
                serde_json::from_slice(raw)
            }
            Some(label) => serde_json::from_str(&decode_text(&bytes, label)?),
        };
        parsed.map_err(|e| {
            error::decode("the response body is not valid JSON", Some(Box::new(e)))
                .with_url(self.url().clone())
        })
    }

    /// The body as an `http_body::Body` stream. For a buffered response already
    /// read, the cached bytes.
    pub fn into_body(self) -> crate::Result<Body> {
        match self.inner.body {
            BodyState::Unbuffered { pending } => Self::take_pending(&pending, false),
            BodyState::Buffered { cache } => {
                cache.into_inner().unwrap_or_else(|| Err(Self::gone(true)))
            }
        }
    }

    /// The body as a `Stream` of byte chunks.
    pub fn bytes_stream(
        self,
    ) -> crate::Result<impl futures_core::Stream<Item = crate::Result<Bytes>> + Send + 'static>
    {
        use futures_util::TryStreamExt;
        let body = self.into_body()?;
        Ok(http_body_util::BodyDataStream::new(body).map_err(error::from_body_error))
    }
}

/// Streams `body` into `f`. With `keep` (`Some(limit)`), also keeps the
/// bytes, failing before the chunk that would take them past `limit`.
async fn stream_into(
    mut body: Body,
    mut f: impl FnMut(Bytes),
    keep: Option<Option<u64>>,
) -> crate::Result<Bytes> {
    // Size the buffer from Content-Length once instead of growing it (capped:
    // the header is the server's claim, not a fact).
    let capacity = match (keep, body.content_length()) {
        (Some(_), Some(len)) => len.min(64 << 20) as usize,
        _ => 0,
    };
    let mut kept = bytes::BytesMut::with_capacity(capacity);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(error::from_body_error)?;
        if let Ok(data) = frame.into_data() {
            if let Some(limit) = keep {
                if let Some(limit) = limit.filter(|&l| (kept.len() + data.len()) as u64 > l) {
                    return Err(Error::new(ErrorKind::BodyLimitExceeded { limit }, None));
                }
                kept.extend_from_slice(&data);
            }
            f(data);
        }
    }
    Ok(kept.freeze())
}

impl fmt::Debug for Response {
    /// Like treq's repr: `<treq::Response 200 'text/html' 15 bytes>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut content_type = String::new();
        for (i, value) in self.inner.headers.get_all(CONTENT_TYPE).iter().enumerate() {
            if i > 0 {
                content_type.push_str(", ");
            }
            for &b in value.as_bytes() {
                if b.is_ascii() && !b.is_ascii_control() {
                    content_type.push(b as char);
                } else {
                    content_type.push_str(&format!("\\x{b:02x}"));
                }
            }
        }
        let content_type: String = content_type.chars().take(40).collect();
        let size = match self.inner.length {
            Some(n) => format!("{} bytes", thousands(n)),
            None => "unknown size".to_owned(),
        };
        write!(
            f,
            "<treq::Response {} '{}' {}>",
            self.code(),
            content_type,
            size
        )
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Error {
    /// The responses of the redirect chain a too-many-redirects error
    /// stopped, oldest first.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let err = treq::get("http://127.0.0.1:8080/redirect/30").max_redirects(3).await.unwrap_err();
    /// assert_eq!(err.history().map(<[_]>::len), Some(4));
    /// # }
    /// ```
    pub fn history(&self) -> Option<&[Response]> {
        self.history_as::<Vec<Response>>().map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &[(&str, &[u8])], body: Body, unbuffered: bool) -> Response {
        let mut builder = http::Response::builder().status(200);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let url = Url::parse("http://example.com/").unwrap();
        Response::from_http(
            builder.body(body).unwrap(),
            Target::parsed(url),
            None,
            unbuffered,
            None,
            Some(DEFAULT_MAX_BODY_SIZE),
        )
    }

    fn chunks(parts: &[&'static str]) -> Body {
        let items: Vec<Result<Bytes, std::io::Error>> = parts
            .iter()
            .map(|p| Ok(Bytes::from_static(p.as_bytes())))
            .collect();
        Body::wrap_stream(futures_util::stream::iter(items))
    }

    #[test]
    fn response_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Response>();
    }

    #[test]
    fn debug_matches_treq_repr() {
        let r = response(
            &[("content-type", b"text/html")],
            Body::from("x".repeat(15)),
            false,
        );
        assert_eq!(
            format!("{r:?}"),
            "<treq::Response 200 'text/html' 15 bytes>"
        );
        let r = response(&[], Body::empty(), false);
        assert_eq!(format!("{r:?}"), "<treq::Response 200 '' 0 bytes>");
        let r = response(
            &[("content-type", b"\xe2\xb8\x98"), ("content-type", b" x/y")],
            Body::empty(),
            false,
        );
        assert_eq!(
            format!("{r:?}"),
            r"<treq::Response 200 '\xe2\xb8\x98,  x/y' 0 bytes>"
        );
        let r = response(
            &[("content-type", b"text/event-stream")],
            chunks(&["a"]),
            false,
        );
        assert_eq!(
            format!("{r:?}"),
            "<treq::Response 200 'text/event-stream' unknown size>"
        );
        let r = response(&[], Body::from(vec![0u8; 1234567]), false);
        assert_eq!(format!("{r:?}"), "<treq::Response 200 '' 1,234,567 bytes>");
    }

    #[tokio::test]
    async fn buffered_content_is_cached() {
        let r = response(&[], chunks(&["foo", "bar"]), false);
        assert_eq!(r.content().await.unwrap(), "foobar");
        assert_eq!(r.content().await.unwrap(), "foobar");
        let mut seen = Vec::new();
        r.collect(|c| seen.push(c)).await.unwrap();
        assert_eq!(seen, vec![Bytes::from("foobar")]);
    }

    #[tokio::test]
    async fn concurrent_waiters_share_one_read() {
        let r = response(&[], chunks(&["foo"]), false);
        let (a, b) = tokio::join!(r.content(), r.content());
        assert_eq!(a.unwrap(), "foo");
        assert_eq!(b.unwrap(), "foo");
    }

    #[tokio::test]
    async fn collect_delivers_chunks_in_order_then_content_is_cached() {
        let r = response(&[], chunks(&["{", "\"msg\": \"hell", "o\"}"]), false);
        let mut seen = Vec::new();
        r.collect(|c| seen.push(c)).await.unwrap();
        assert_eq!(seen, ["{", "\"msg\": \"hell", "o\"}"]);
        assert_eq!(r.content().await.unwrap(), "{\"msg\": \"hello\"}");
    }

    #[tokio::test]
    async fn zero_length_never_calls_the_collector() {
        let r = response(&[], Body::empty(), false);
        r.collect(|_| panic!("must not be called")).await.unwrap();
    }

    #[tokio::test]
    async fn unbuffered_reads_once() {
        let r = response(&[], chunks(&["a", "b"]), true);
        assert_eq!(r.content().await.unwrap(), "ab");
        let err = r.content().await.unwrap_err();
        assert!(err.is_body(), "{err:?}");
        assert!(err.to_string().contains("already read"), "{err}");
    }

    #[tokio::test]
    async fn a_cancelled_buffered_read_says_so() {
        let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        let r = response(&[], Body::wrap_stream(never), false);
        let cancelled =
            tokio::time::timeout(std::time::Duration::from_millis(1), r.content()).await;
        assert!(cancelled.is_err(), "the read is still pending");
        let err = r.content().await.unwrap_err();
        assert!(err.is_body(), "{err:?}");
        assert!(err.to_string().contains("cancelled"), "{err}");
    }

    #[tokio::test]
    async fn a_single_chunk_body_is_not_copied() {
        let data = Bytes::from(vec![7u8; 4096]);
        let r = response(
            &[],
            Body::wrap_stream(futures_util::stream::iter([Ok::<_, std::io::Error>(
                data.clone(),
            )])),
            false,
        );
        let first = r.content().await.unwrap();
        assert_eq!(
            first.as_ptr(),
            data.as_ptr(),
            "the network chunk itself is kept"
        );
        assert_eq!(
            r.content().await.unwrap().as_ptr(),
            data.as_ptr(),
            "the cache is shared"
        );
    }

    #[tokio::test]
    async fn failed_read_is_reported_again() {
        let items: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(Bytes::from("a")), Err(std::io::Error::other("reset"))];
        let r = response(
            &[],
            Body::wrap_stream(futures_util::stream::iter(items)),
            false,
        );
        let mut seen = Vec::new();
        let err = r.collect(|c| seen.push(c)).await.unwrap_err();
        assert!(err.is_body(), "{err:?}");
        assert_eq!(seen, ["a"]);
        assert!(r.content().await.unwrap_err().is_body());
    }

    #[tokio::test]
    async fn reads_that_keep_the_body_are_limited_and_streaming_is_not() {
        let limited = |unbuffered| {
            response(&[], chunks(&["abc", "def"]), unbuffered).with_max_body_size(Some(4))
        };
        let is_limit = |e: &Error| matches!(e.kind(), ErrorKind::BodyLimitExceeded { limit: 4 });
        for unbuffered in [false, true] {
            let err = limited(unbuffered).content().await.unwrap_err();
            assert!(is_limit(&err), "{err:?}");
            assert!(limited(unbuffered).text().await.is_err());
        }
        // A buffered collect keeps what it streams: limited, and nothing past
        // the limit reaches the callback.
        let mut seen = Vec::new();
        let err = limited(false).collect(|c| seen.push(c)).await.unwrap_err();
        assert!(is_limit(&err), "{err:?}");
        assert_eq!(seen, ["abc"]);
        // Streaming an unbuffered response keeps nothing: not limited.
        let mut seen = Vec::new();
        limited(true).collect(|c| seen.push(c)).await.unwrap();
        assert_eq!(seen, ["abc", "def"]);
        // At the limit, and with no limit, the body is read.
        let exact = response(&[], chunks(&["abc", "def"]), false).with_max_body_size(Some(6));
        assert_eq!(exact.content().await.unwrap(), "abcdef");
        let none = response(&[], chunks(&["abc", "def"]), false).with_max_body_size(None);
        assert_eq!(none.content().await.unwrap(), "abcdef");
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_fails_before_reading() {
        // The stream never yields: only the declared length can answer.
        let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        let r = response(&[], Body::sized_stream(never, 100), false).with_max_body_size(Some(10));
        let err = r.content().await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::BodyLimitExceeded { limit: 10 }),
            "{err:?}"
        );
        assert!(err.to_string().contains("Content-Length"), "{err}");
        // A body already in memory is held to the limit too.
        let r = response(&[], Body::from(vec![0u8; 100]), true).with_max_body_size(Some(10));
        assert!(r.content().await.is_err());
    }

    #[tokio::test]
    async fn text_and_json() {
        let r = response(
            &[("content-type", b"text/plain;charset=utf-8")],
            Body::from("\u{2603}"),
            false,
        );
        assert_eq!(r.text().await.unwrap(), "\u{2603}");
        let r = response(&[], Body::from(&b"\xa1"[..]), false);
        assert_eq!(r.text().await.unwrap(), "\u{a1}");
        let r = response(
            &[("content-type", b"application/json")],
            Body::from("gr\u{fc}n"),
            false,
        );
        assert_eq!(r.text().await.unwrap(), "gr\u{fc}n");
        let r = response(&[], Body::from(r#"{"msg":"hello!"}"#), false);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["msg"], "hello!");
        let r = response(
            &[],
            Body::from("{\"a\":\"h\u{eb}ll\u{f3}\"}".to_owned()),
            false,
        );
        assert_eq!(
            r.json::<serde_json::Value>().await.unwrap()["a"],
            "h\u{eb}ll\u{f3}"
        );
        let utf16: Vec<u8> = "{\"a\":1}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let r = response(
            &[("content-type", b"application/json; charset='UTF-16LE'")],
            Body::from(utf16),
            false,
        );
        assert_eq!(r.json::<serde_json::Value>().await.unwrap()["a"], 1);
        let r = response(&[], Body::from("not json"), false);
        assert!(r.json::<serde_json::Value>().await.unwrap_err().is_decode());
    }
}
