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

enum Kind {
    Empty,
    Full(Bytes),
    /// Boxed: a `tokio::fs::File` is large, and every `Body` moved through
    /// the stack would carry its size.
    File(Option<Box<tokio::fs::File>>, Option<u64>),
    Streaming(SyncWrapper<BoxedBody>, Option<u64>),
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body { kind: Kind::Empty }
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
            kind: Kind::File(Some(Box::new(file)), len),
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
    /// A stream that ends early or runs long fails the request.
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
            kind: Kind::Streaming(SyncWrapper::new(body), len),
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
            kind: Kind::Streaming(SyncWrapper::new(Box::pin(mapped)), len),
        }
    }

    /// The bytes, if this body is held in memory (empty counts).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Empty => Some(&[]),
            Kind::Full(b) => Some(b),
            _ => None,
        }
    }

    /// A copy of this body if it can be sent again (in-memory bodies only).
    pub fn try_clone(&self) -> Option<Body> {
        match &self.kind {
            Kind::Empty => Some(Body::empty()),
            Kind::Full(b) => Some(Body {
                kind: Kind::Full(b.clone()),
            }),
            _ => None,
        }
    }

    /// The exact length, when known before reading.
    pub fn content_length(&self) -> Option<u64> {
        match &self.kind {
            Kind::Empty => Some(0),
            Kind::Full(b) => Some(b.len() as u64),
            Kind::File(_, len) | Kind::Streaming(_, len) => *len,
        }
    }

    /// True for a body known to be empty.
    pub fn is_empty(&self) -> bool {
        matches!(self.kind, Kind::Empty)
    }

    /// Reads the whole body into memory, with an optional size limit.
    pub async fn collect_bytes(self, limit: Option<u64>) -> crate::Result<Bytes> {
        use http_body_util::BodyExt;
        match self.kind {
            Kind::Empty => return Ok(Bytes::new()),
            Kind::Full(b) => return Ok(b),
            _ => {}
        }
        let hint = self.content_length();
        let mut body = self;
        let cap = hint
            .unwrap_or(0)
            .min(limit.unwrap_or(u64::MAX))
            .min(64 << 20) as usize;
        let mut buf = bytes::BytesMut::with_capacity(cap);
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
            Kind::Empty => f.write_str("Body(empty)"),
            Kind::Full(b) => write!(f, "Body({} bytes)", b.len()),
            Kind::File(_, len) => write!(f, "Body(file, {len:?} bytes)"),
            Kind::Streaming(_, len) => write!(f, "Body(stream, {len:?} bytes)"),
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
            Kind::Empty => Poll::Ready(None),
            Kind::Full(_) => {
                let Kind::Full(bytes) = std::mem::replace(&mut self.kind, Kind::Empty) else {
                    unreachable!("matched Full above")
                };
                Poll::Ready(Some(Ok(Frame::data(bytes))))
            }
            Kind::File(file, len) => {
                let file = file.take().expect("file body is taken once");
                let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
                let len = *len;
                *self = Body::stream_inner(stream, len);
                self.poll_frame(cx)
            }
            Kind::Streaming(body, _) => body.get_mut().as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.kind, Kind::Empty)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Full(b) => SizeHint::with_exact(b.len() as u64),
            Kind::File(_, Some(len)) => SizeHint::with_exact(*len),
            Kind::File(_, None) => SizeHint::default(),
            Kind::Streaming(_, Some(len)) => SizeHint::with_exact(*len),
            Kind::Streaming(_, None) => SizeHint::default(),
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
            kind: Kind::File(Some(Box::new(file)), None),
        }
    }
}

impl Body {
    /// Looks up the length of a file body whose length is not known yet.
    /// A file body whose length is not known yet.
    pub(crate) fn needs_length(&self) -> bool {
        matches!(self.kind, Kind::File(Some(_), None))
    }

    pub(crate) async fn resolve_length(self) -> std::io::Result<Body> {
        match self.kind {
            Kind::File(Some(mut file), None) => {
                let len = remaining_length(&mut file).await?;
                Ok(Body {
                    kind: Kind::File(Some(file), len),
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
