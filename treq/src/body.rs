//! `Body`: the request and response body type that flows through every agent.
//!
//! In-memory bodies are replayable (redirects 307/308 and digest auth send them
//! again); streams and files are read once. A stream made `Sync` with
//! `SyncWrapper` keeps `Body: Send + Sync` without requiring it of user streams.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http_body::{Frame, SizeHint};
use sync_wrapper::SyncWrapper;

use crate::error::BoxError;

type BoxedBody = Pin<Box<dyn http_body::Body<Data = Bytes, Error = BoxError> + Send + 'static>>;

/// A request or response body: empty, bytes in memory, a file, or a stream.
pub struct Body {
    kind: Kind,
}

/// Kept to 32 bytes, so an `http::Request<Body>` is at most 256: the
/// request is moved through every layer and hyper's channels, and a copy
/// of more than 256 bytes costs about twice as much. (Two variants fit in
/// the bytes of `Bytes`; three do not, hence `Later`.)
enum Kind {
    /// In memory; empty bytes are the empty body.
    Full(Bytes),
    Later(Later),
}

/// A body read as it is sent.
enum Later {
    /// Boxed: a `tokio::fs::File` is large, and every `Body` moved through
    /// the stack would carry its size.
    File(Option<Box<tokio::fs::File>>, Len),
    Streaming(SyncWrapper<BoxedBody>, Len),
}

/// A length known before reading, or not: an `Option<u64>` in 8 bytes
/// (`u64::MAX`, a length no body has, stands for unknown).
#[derive(Clone, Copy)]
struct Len(u64);

impl Len {
    fn new(len: Option<u64>) -> Len {
        Len(len.unwrap_or(u64::MAX))
    }

    fn get(self) -> Option<u64> {
        (self.0 != u64::MAX).then_some(self.0)
    }
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body {
            kind: Kind::Full(Bytes::new()),
        }
    }

    /// A body holding these bytes (replayable).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        if bytes.is_empty() {
            Body::empty()
        } else {
            Body {
                kind: Kind::Full(bytes),
            }
        }
    }

    /// Streams a file from disk with its length known up front, so the request
    /// carries `Content-Length` and the file is never read whole.
    /// The length is what remains from the file's current position; a file that
    /// is not a regular file (a pipe, a device) has no known length and is sent
    /// chunked.
    pub async fn from_file(mut file: tokio::fs::File) -> std::io::Result<Self> {
        let len = remaining_length(&mut file).await?;
        Ok(Body {
            kind: Kind::Later(Later::File(Some(Box::new(file)), Len::new(len))),
        })
    }

    /// Wraps a stream of byte chunks of unknown length (sent chunked).
    pub fn wrap_stream<S, B, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        Self::stream_inner(stream, None)
    }

    /// Wraps a stream whose total length is known (sent with `Content-Length`).
    /// A stream that ends early or runs long fails the request, and so does a
    /// declared length of `u64::MAX` (2^64 − 1 bytes, which no stream yields).
    pub fn sized_stream<S, B, E>(stream: S, len: u64) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        Self::stream_inner(stream, Some(len))
    }

    fn stream_inner<S, B, E>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        use futures_util::TryStreamExt;
        if len == Some(u64::MAX) {
            // `Len` keeps that value for "unknown": the body is refused instead.
            let refused = futures_util::stream::once(async {
                Err::<Frame<Bytes>, BoxError>(Box::new(crate::error::body_msg(
                    "a body stream cannot declare a length of 2^64 - 1 bytes",
                )))
            });
            let body: BoxedBody = Box::pin(http_body_util::StreamBody::new(refused));
            return Body {
                kind: Kind::Later(Later::Streaming(SyncWrapper::new(body), Len::new(None))),
            };
        }
        let frames = stream.map_ok(|b| Frame::data(b.into())).map_err(Into::into);
        let body: BoxedBody = match len {
            // hyper silently cuts a body that runs past its Content-Length, so
            // the declared length is enforced here, both ways.
            Some(declared) => Box::pin(LengthChecked {
                inner: http_body_util::StreamBody::new(frames),
                declared,
                seen: 0,
            }),
            None => Box::pin(http_body_util::StreamBody::new(frames)),
        };
        Body {
            kind: Kind::Later(Later::Streaming(SyncWrapper::new(body), Len::new(len))),
        }
    }

    /// Wraps any `http_body::Body` (for example hyper's `Incoming`).
    pub fn wrap<B>(body: B) -> Self
    where
        B: http_body::Body + Send + 'static,
        B::Data: Into<Bytes>,
        B::Error: Into<BoxError>,
    {
        use http_body_util::BodyExt;
        let len = body.size_hint().exact();
        let mapped = body
            .map_frame(|f| f.map_data(Into::into))
            .map_err(Into::into);
        Body {
            kind: Kind::Later(Later::Streaming(
                SyncWrapper::new(Box::pin(mapped)),
                Len::new(len),
            )),
        }
    }

    /// The bytes, if this body is held in memory (empty counts).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Full(b) => Some(b),
            Kind::Later(_) => None,
        }
    }

    /// A copy of this body if it can be sent again (in-memory bodies only).
    pub fn try_clone(&self) -> Option<Body> {
        match &self.kind {
            Kind::Full(b) => Some(Body {
                kind: Kind::Full(b.clone()),
            }),
            Kind::Later(_) => None,
        }
    }

    /// The exact length, when known before reading.
    pub fn content_length(&self) -> Option<u64> {
        match &self.kind {
            Kind::Full(b) => Some(b.len() as u64),
            Kind::Later(Later::File(_, len) | Later::Streaming(_, len)) => len.get(),
        }
    }

    /// True for a body known to be empty.
    pub fn is_empty(&self) -> bool {
        matches!(&self.kind, Kind::Full(b) if b.is_empty())
    }

    /// Reads the whole body into memory, with an optional size limit.
    pub async fn collect_bytes(self, limit: Option<u64>) -> crate::Result<Bytes> {
        use http_body_util::BodyExt;
        match self.kind {
            Kind::Full(b) => return Ok(b),
            Kind::Later(_) => {}
        }
        let hint = self.content_length();
        let mut body = self;
        let cap = hint
            .unwrap_or(0)
            .min(limit.unwrap_or(u64::MAX))
            .min(64 << 20) as usize;
        // Allocated only when a second chunk arrives: a body in one chunk
        // is returned as it came.
        let mut buf = bytes::BytesMut::new();
        let mut first: Option<Bytes> = None;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(crate::error::from_body_error)?;
            if let Ok(data) = frame.into_data() {
                if let Some(limit) = limit {
                    let have = (buf.len() + first.as_ref().map_or(0, Bytes::len)) as u64;
                    if have + data.len() as u64 > limit {
                        return Err(crate::Error::new(
                            crate::error::ErrorKind::BodyLimitExceeded { limit },
                            None,
                        ));
                    }
                }
                // Keep a single chunk without copying; copy only when there are several.
                if buf.is_empty() && first.is_none() {
                    first = Some(data);
                } else {
                    if let Some(f) = first.take() {
                        buf.reserve(cap.max(f.len() + data.len()));
                        buf.extend_from_slice(&f);
                    }
                    buf.extend_from_slice(&data);
                }
            }
        }
        Ok(match first {
            Some(f) => f,
            None => buf.freeze(),
        })
    }
}

pin_project_lite::pin_project! {
    /// A body of declared length that fails if its data runs short or long.
    struct LengthChecked<B> {
        #[pin]
        inner: B,
        declared: u64,
        seen: u64,
    }
}

impl<B> http_body::Body for LengthChecked<B>
where
    B: http_body::Body<Data = Bytes, Error = BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.seen += data.len() as u64;
                    if *this.seen > *this.declared {
                        return Poll::Ready(Some(Err(length_mismatch(*this.declared, "more"))));
                    }
                }
            }
            Poll::Ready(None) if *this.seen < *this.declared => {
                return Poll::Ready(Some(Err(length_mismatch(*this.declared, "fewer"))));
            }
            _ => {}
        }
        polled
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.declared.saturating_sub(self.seen))
    }
}

fn length_mismatch(declared: u64, what: &str) -> BoxError {
    Box::new(crate::error::body_msg(format!(
        "the body stream yielded {what} bytes than its declared length of {declared}"
    )))
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Full(b) if b.is_empty() => f.write_str("Body(empty)"),
            Kind::Full(b) => write!(f, "Body({} bytes)", b.len()),
            Kind::Later(Later::File(_, len)) => write!(f, "Body(file, {:?} bytes)", len.get()),
            Kind::Later(Later::Streaming(_, len)) => {
                write!(f, "Body(stream, {:?} bytes)", len.get())
            }
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.kind {
            Kind::Full(bytes) if bytes.is_empty() => Poll::Ready(None),
            Kind::Full(bytes) => Poll::Ready(Some(Ok(Frame::data(std::mem::take(bytes))))),
            Kind::Later(Later::File(file, len)) => {
                let file = file.take().expect("file body is taken once");
                let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
                let len = len.get();
                *self = Body::stream_inner(stream, len);
                self.poll_frame(cx)
            }
            Kind::Later(Later::Streaming(body, _)) => body.get_mut().as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        match self.content_length() {
            Some(len) => SizeHint::with_exact(len),
            None => SizeHint::default(),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body::from_bytes(b)
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body::from_bytes(v)
    }
}

impl From<&'static [u8]> for Body {
    fn from(v: &'static [u8]) -> Self {
        Body::from_bytes(Bytes::from_static(v))
    }
}

impl<const N: usize> From<&'static [u8; N]> for Body {
    fn from(v: &'static [u8; N]) -> Self {
        Body::from_bytes(Bytes::from_static(v))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::from_bytes(s)
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body::from_bytes(Bytes::from_static(s.as_bytes()))
    }
}

impl From<&String> for Body {
    fn from(s: &String) -> Self {
        Body::from_bytes(s.clone())
    }
}

impl From<()> for Body {
    fn from((): ()) -> Self {
        Body::empty()
    }
}

/// A file streamed from its current position. Its length is looked up when the
/// request is sent, so it goes out with `Content-Length`.
impl From<tokio::fs::File> for Body {
    fn from(file: tokio::fs::File) -> Self {
        Body {
            kind: Kind::Later(Later::File(Some(Box::new(file)), Len::new(None))),
        }
    }
}

impl Body {
    /// A file body whose length is not known yet.
    pub(crate) fn needs_length(&self) -> bool {
        matches!(&self.kind, Kind::Later(Later::File(Some(_), len)) if len.get().is_none())
    }

    /// Looks up the length of a file body whose length is not known yet.
    pub(crate) async fn resolve_length(self) -> std::io::Result<Body> {
        match self.kind {
            Kind::Later(Later::File(Some(mut file), len)) if len.get().is_none() => {
                let len = remaining_length(&mut file).await?;
                Ok(Body {
                    kind: Kind::Later(Later::File(Some(file), Len::new(len))),
                })
            }
            kind => Ok(Body { kind }),
        }
    }
}

/// Bytes left to read in a regular file from its current position (`None`
/// for pipes and devices, whose metadata length means nothing).
async fn remaining_length(file: &mut tokio::fs::File) -> std::io::Result<Option<u64>> {
    use tokio::io::AsyncSeekExt;
    let meta = file.metadata().await?;
    if !meta.is_file() {
        return Ok(None);
    }
    let pos = file.stream_position().await?;
    Ok(Some(meta.len().saturating_sub(pos)))
}

/// The most of a discarded body the client reads before giving up on it.
pub(crate) const DRAIN_LIMIT: u64 = 64 * 1024;

/// The longest the client spends reading a discarded body (less when the
/// request's read timeout is shorter).
pub(crate) const DRAIN_TIME: Duration = Duration::from_secs(1);

/// Reads a body the client does not hand to the caller (a redirect's, a
/// 401's before the retry) so that, when it is small, its connection goes back
/// to the pool. It reads at most [`DRAIN_LIMIT`] bytes for at most
/// [`DRAIN_TIME`] (or `read_timeout`, if shorter); a body that is larger,
/// slower or endless is dropped instead, and hyper then closes its connection
/// rather than reuse it. Returns the body when it was read to its end.
pub(crate) async fn drain(body: Body, read_timeout: Option<Duration>) -> Option<Bytes> {
    if body.as_bytes().is_some() {
        // Already in memory: nothing to wait for (and no timer needed).
        return body.collect_bytes(None).await.ok();
    }
    let time = read_timeout.map_or(DRAIN_TIME, |t| t.min(DRAIN_TIME));
    match tokio::time::timeout(time, body.collect_bytes(Some(DRAIN_LIMIT))).await {
        Ok(Ok(bytes)) => Some(bytes),
        Ok(Err(_)) | Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_with_a_body_stays_within_256_bytes() {
        // Larger, and every move of a request costs about twice as much.
        assert!(std::mem::size_of::<Body>() <= 32);
        assert!(std::mem::size_of::<http::Request<Body>>() <= 256);
    }

    #[tokio::test]
    async fn a_stream_declaring_u64_max_bytes_is_refused_when_read() {
        let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        let body = Body::sized_stream(never, u64::MAX);
        assert_eq!(body.content_length(), None);
        let err = body.collect_bytes(None).await.unwrap_err();
        let mut chain = String::new();
        let mut source: Option<&dyn std::error::Error> = Some(&err);
        while let Some(e) = source {
            chain.push_str(&format!("{e}; "));
            source = e.source();
        }
        assert!(chain.contains("2^64 - 1"), "{chain}");
    }

    #[test]
    fn empty_bytes_are_the_empty_body() {
        let body = Body::from(Bytes::new());
        assert!(body.is_empty() && http_body::Body::is_end_stream(&body));
        assert_eq!(format!("{body:?}"), "Body(empty)");
        assert!(!Body::from("x").is_empty());
    }
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn full_body_yields_once_and_is_replayable() {
        let body = Body::from("hello");
        assert_eq!(body.content_length(), Some(5));
        let copy = body.try_clone().unwrap();
        assert_eq!(body.collect().await.unwrap().to_bytes(), "hello");
        assert_eq!(copy.collect_bytes(None).await.unwrap(), "hello");
    }

    #[tokio::test]
    async fn stream_body_is_not_replayable_and_concatenates() {
        let chunks = futures_util::stream::iter(vec![
            Ok::<_, std::io::Error>(Bytes::from("a")),
            Ok(Bytes::from("bc")),
        ]);
        let body = Body::wrap_stream(chunks);
        assert!(body.try_clone().is_none());
        assert_eq!(body.content_length(), None);
        assert_eq!(body.collect_bytes(None).await.unwrap(), "abc");
    }

    #[tokio::test]
    async fn collect_bytes_enforces_the_limit() {
        let chunks = futures_util::stream::iter(vec![
            Ok::<_, std::io::Error>(Bytes::from("abc")),
            Ok(Bytes::from("def")),
        ]);
        let err = Body::wrap_stream(chunks)
            .collect_bytes(Some(4))
            .await
            .unwrap_err();
        assert!(matches!(
            err.kind(),
            crate::error::ErrorKind::BodyLimitExceeded { limit: 4 }
        ));
    }

    #[tokio::test]
    async fn a_sized_stream_must_match_its_length() {
        let chunks = |parts: &[&'static str]| {
            let items: Vec<Result<Bytes, std::io::Error>> = parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p.as_bytes())))
                .collect();
            futures_util::stream::iter(items)
        };
        let ok = Body::sized_stream(chunks(&["ab", "c"]), 3);
        assert_eq!(ok.content_length(), Some(3));
        assert_eq!(ok.collect_bytes(None).await.unwrap(), "abc");
        let long = Body::sized_stream(chunks(&["ab", "cd"]), 3)
            .collect_bytes(None)
            .await;
        assert!(long.unwrap_err().to_string().contains("more bytes"));
        let short = Body::sized_stream(chunks(&["ab"]), 3)
            .collect_bytes(None)
            .await;
        assert!(short.unwrap_err().to_string().contains("fewer bytes"));
    }

    #[test]
    fn body_is_send_sync_unpin() {
        fn check<T: Send + Sync + Unpin>() {}
        check::<Body>();
    }
}
