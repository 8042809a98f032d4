//! The streaming producer: yields the encoded body segment by segment, pulling
//! a part's chunks only when the transport polls for more (backpressure), so a
//! file is never held in memory whole.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http_body::Body as _;

use crate::error::BoxError;
use crate::error::{Error, ErrorKind};
use crate::Body;

/// One piece of the encoded body, in order.
#[derive(Debug)]
pub(super) enum Segment {
    /// Boundaries, part headers and text field values.
    Bytes(Bytes),
    /// A part's content, read when its turn comes.
    Part(PartContent),
}

/// A part's content with what is needed to check it and to name it in errors.
#[derive(Debug)]
pub(super) struct PartContent {
    pub(super) name: String,
    pub(super) body: Body,
    /// The length announced in the part's `Content-Length` (and counted in the
    /// request's), which the content must match exactly.
    pub(super) len: Option<u64>,
}

/// The multipart body as a stream of chunks.
#[derive(Debug)]
pub(super) struct MultipartStream {
    segments: VecDeque<Segment>,
    current: Option<(PartContent, u64)>,
    /// Set after an error, so the stream ends instead of sending more.
    failed: bool,
}

impl MultipartStream {
    pub(super) fn new(segments: Vec<Segment>) -> Self {
        MultipartStream {
            segments: segments.into(),
            current: None,
            failed: false,
        }
    }

    fn fail(
        &mut self,
        message: String,
        source: Option<BoxError>,
    ) -> Poll<Option<Result<Bytes, BoxError>>> {
        self.failed = true;
        self.segments.clear();
        self.current = None;
        Poll::Ready(Some(Err(Box::new(Error::custom(
            ErrorKind::Body,
            message,
            source,
        )))))
    }
}

impl Stream for MultipartStream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        loop {
            if let Some((part, seen)) = &mut this.current {
                match Pin::new(&mut part.body).poll_frame(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Some(Ok(frame))) => {
                        // Trailers of a wrapped body have no place in a part.
                        let Ok(data) = frame.into_data() else {
                            continue;
                        };
                        if data.is_empty() {
                            continue;
                        }
                        *seen += data.len() as u64;
                        if let Some(len) = part.len.filter(|len| *seen > *len) {
                            let msg = format!(
                                "multipart part \"{}\" produced more than its announced {len} bytes",
                                part.name
                            );
                            return this.fail(msg, None);
                        }
                        return Poll::Ready(Some(Ok(data)));
                    }
                    Poll::Ready(Some(Err(e))) => {
                        let msg = format!("could not read multipart part \"{}\"", part.name);
                        return this.fail(msg, Some(e));
                    }
                    Poll::Ready(None) => {
                        if let Some(len) = part.len.filter(|len| *seen != *len) {
                            let msg = format!(
                                "multipart part \"{}\" ended after {seen} of its announced {len} bytes",
                                part.name
                            );
                            return this.fail(msg, None);
                        }
                        this.current = None;
                    }
                }
            }
            match this.segments.pop_front() {
                None => return Poll::Ready(None),
                Some(Segment::Bytes(bytes)) => return Poll::Ready(Some(Ok(bytes))),
                Some(Segment::Part(part)) => this.current = Some((part, 0)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn part(name: &str, body: Body, len: Option<u64>) -> Segment {
        Segment::Part(PartContent {
            name: name.into(),
            body,
            len,
        })
    }

    async fn drain(mut s: MultipartStream) -> (Vec<u8>, Option<Error>) {
        let mut out = Vec::new();
        while let Some(item) = s.next().await {
            match item {
                Ok(b) => out.extend_from_slice(&b),
                Err(e) => {
                    assert!(s.next().await.is_none(), "the stream ends after an error");
                    return (out, Some(*e.downcast::<Error>().unwrap()));
                }
            }
        }
        (out, None)
    }

    #[tokio::test]
    async fn yields_segments_in_order() {
        let chunks = futures_util::stream::iter([
            Ok::<_, std::io::Error>(Bytes::from("b1")),
            Ok(Bytes::from("b2")),
        ]);
        let s = MultipartStream::new(vec![
            Segment::Bytes(Bytes::from("<")),
            part("a", Body::wrap_stream(chunks), None),
            Segment::Bytes(Bytes::from(">")),
        ]);
        let (out, err) = drain(s).await;
        assert_eq!(out, b"<b1b2>");
        assert!(err.is_none());
    }

    #[tokio::test]
    async fn a_read_error_fails_the_stream_and_names_the_part() {
        let chunks = futures_util::stream::iter([
            Ok(Bytes::from("ok")),
            Err(std::io::Error::other("disk on fire")),
        ]);
        let s = MultipartStream::new(vec![
            part("upload", Body::wrap_stream(chunks), None),
            Segment::Bytes(Bytes::from("--end--")),
        ]);
        let (out, err) = drain(s).await;
        assert_eq!(out, b"ok");
        let err = err.expect("an error");
        assert!(err.is_body());
        assert!(err.to_string().contains("\"upload\""), "{err}");
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(source.contains("disk on fire"), "{source}");
    }

    #[tokio::test]
    async fn a_part_shorter_or_longer_than_announced_fails() {
        let short = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("abc"))]);
        let s = MultipartStream::new(vec![part("f", Body::wrap_stream(short), Some(5))]);
        let (_, err) = drain(s).await;
        assert!(err
            .unwrap()
            .to_string()
            .contains("after 3 of its announced 5"));

        let long = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("abcdef"))]);
        let s = MultipartStream::new(vec![part("f", Body::wrap_stream(long), Some(5))]);
        let (out, err) = drain(s).await;
        assert!(out.is_empty(), "the overlong chunk is not sent");
        assert!(err
            .unwrap()
            .to_string()
            .contains("more than its announced 5"));
    }

    #[tokio::test]
    async fn a_part_is_pulled_only_as_the_body_is_polled() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let pulls = Arc::new(AtomicUsize::new(0));
        let counter = pulls.clone();
        let chunks = futures_util::stream::iter(0..1000).map(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok::<_, std::io::Error>(Bytes::from_static(b"chunk"))
        });
        let mut s = MultipartStream::new(vec![
            Segment::Bytes(Bytes::from("headers")),
            part("f", Body::wrap_stream(chunks), None),
        ]);
        assert_eq!(s.next().await.unwrap().unwrap(), "headers");
        assert_eq!(
            pulls.load(Ordering::SeqCst),
            0,
            "nothing read before it is asked for"
        );
        assert_eq!(s.next().await.unwrap().unwrap(), "chunk");
        assert_eq!(s.next().await.unwrap().unwrap(), "chunk");
        assert_eq!(pulls.load(Ordering::SeqCst), 2, "one chunk read per poll");
    }
}
