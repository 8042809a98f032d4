//! Decompression: `DecompressAgent` advertises the enabled codecs and decodes
//! the response body as a stream.
//!
//! Rules:
//! - `Accept-Encoding` lists exactly the codecs compiled in (cargo features
//!   `gzip`, `deflate`, `brotli`, `zstd`), appended after any value the caller
//!   set (so a caller's `identity` stays first).
//! - `Content-Encoding` is decoded from the last coding backwards while the
//!   coding is supported; an unsupported coding stops the walk and stays in the
//!   header with the body left raw from there. `identity` is ignored.
//! - A response naming more than five codings (over all its
//!   `Content-Encoding` lines) is refused: reading its body fails with a short
//!   decode error. curl caps the chain at 5; so do we, so a hostile header
//!   cannot make the client build a decoder per item.
//! - Every member of a multi-member gzip body (`cat a.gz b.gz`, RFC 1952) and
//!   every frame of a zstd body is decoded. Bytes after the end of the last
//!   member, frame or deflate/brotli stream are a decode error: nothing the
//!   server sent is silently dropped.
//! - After decoding, `Content-Encoding` (the decoded part) and `Content-Length`
//!   are removed, so `Response::length()` is unknown.
//! - HEAD, 1xx, 204 and 304 responses and bodies known to be empty are left
//!   untouched.
//! - Decoding streams: nothing is buffered beyond the codecs' windows. The
//!   output of every layer (not only the last) is counted while streaming;
//!   past the limit the read fails with
//!   [`ErrorKind::BodyLimitExceeded`](crate::error::ErrorKind::BodyLimitExceeded), so a
//!   decompression bomb never reaches memory, not even hidden in the middle
//!   layer of `gzip, gzip`.
//! - The compressed input counts as well: past twice the limit and 64 KiB
//!   of it the read fails with the same error, so input that decodes to
//!   nothing (a gzip file name that never ends, endless empty blocks or
//!   skippable frames) cannot keep a read going for ever.
//! - Corrupt data fails the read with a decode error (`Error::is_decode`).

// With every codec feature off the decoding path is never reached; it still
// compiles so the feature combinations stay honest.
#![cfg_attr(
    not(any(
        feature = "gzip",
        feature = "deflate",
        feature = "brotli",
        feature = "zstd"
    )),
    allow(
        unused_mut,
        unused_variables,
        unused_imports,
        unreachable_code,
        dead_code
    )
)]

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::header::{HeaderValue, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH};
use http::{HeaderMap, Method, StatusCode};
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};

use crate::agent::{agent_of_layer, Layer as StackLayer, OnResponse, Then};
use crate::error::{self, BoxError};
use crate::error::{Error, ErrorKind};
use crate::extensions::RequestLimit;
use crate::Body;

/// The default most bytes a response may decompress to: 1 GiB.
pub(crate) const DEFAULT_LIMIT: u64 = 1 << 30;

/// The most content codings one response may name (curl's cap).
pub(crate) const MAX_CODINGS: usize = 5;

/// The largest zstd window accepted, as a power of two: 8 MiB (RFC 9659).
#[cfg(feature = "zstd")]
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

mod agent;
pub(crate) use self::agent::DecompressAgent;

/// A content coding this build can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    #[cfg(feature = "gzip")]
    Gzip,
    #[cfg(feature = "deflate")]
    Deflate,
    #[cfg(feature = "brotli")]
    Brotli,
    #[cfg(feature = "zstd")]
    Zstd,
}

impl Coding {
    const ENABLED: &'static [Coding] = &[
        #[cfg(feature = "gzip")]
        Coding::Gzip,
        #[cfg(feature = "deflate")]
        Coding::Deflate,
        #[cfg(feature = "brotli")]
        Coding::Brotli,
        #[cfg(feature = "zstd")]
        Coding::Zstd,
    ];

    fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "gzip")]
            Coding::Gzip => "gzip",
            #[cfg(feature = "deflate")]
            Coding::Deflate => "deflate",
            #[cfg(feature = "brotli")]
            Coding::Brotli => "br",
            #[cfg(feature = "zstd")]
            Coding::Zstd => "zstd",
        }
    }

    fn parse(token: &str) -> Option<Coding> {
        // `x-gzip` is the old alias RFC 9110 says to treat as gzip.
        let token = if token.eq_ignore_ascii_case("x-gzip") {
            "gzip"
        } else {
            token
        };
        Coding::ENABLED
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(token))
    }

    /// A decoder of this coding reading from `input`.
    fn decoder(self, input: Reader) -> Box<dyn Codec> {
        // Used by every codec but the deflate one, which has its own reader.
        #[cfg(any(
            feature = "gzip",
            feature = "deflate",
            feature = "brotli",
            feature = "zstd"
        ))]
        #[allow(unused_imports)]
        use async_compression::tokio::bufread as codec;
        match self {
            #[cfg(feature = "gzip")]
            Coding::Gzip => {
                let mut decoder = codec::GzipDecoder::new(input);
                decoder.multiple_members(true);
                Box::new(decoder)
            }
            #[cfg(feature = "deflate")]
            Coding::Deflate => Box::new(DeflateAuto::Detect(Some(input))),
            #[cfg(feature = "brotli")]
            Coding::Brotli => Box::new(codec::BrotliDecoder::new(input)),
            #[cfg(feature = "zstd")]
            Coding::Zstd => {
                // RFC 8878: a zstd stream is one or more frames. RFC 9659
                // caps the window of HTTP content at 8 MiB (browsers refuse
                // more), so a frame cannot make the decoder reserve the
                // library's default 128 MiB per response.
                let mut decoder = codec::ZstdDecoder::with_params(
                    input,
                    &[async_compression::zstd::DParameter::window_log_max(
                        ZSTD_WINDOW_LOG_MAX,
                    )],
                );
                decoder.multiple_members(true);
                Box::new(decoder)
            }
        }
    }
}

/// The codings of one `Content-Encoding` value, without `identity` and empty items.
fn coding_tokens(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("identity"))
}

/// What the `Content-Encoding` lines (all of them, in order) name.
enum Codings {
    /// The codings, at most [`MAX_CODINGS`].
    Listed(Vec<String>),
    /// More than [`MAX_CODINGS`]: only counted, never kept.
    TooMany(usize),
    /// A value that is not visible ASCII cannot name a coding we know: the
    /// response stays raw rather than guess.
    Unreadable,
}

fn content_codings(headers: &HeaderMap) -> Codings {
    let values = headers.get_all(CONTENT_ENCODING);
    let mut count = 0usize;
    for value in &values {
        match value.to_str() {
            Ok(text) => count += coding_tokens(text).count(),
            Err(_) => return Codings::Unreadable,
        }
    }
    if count > MAX_CODINGS {
        return Codings::TooMany(count);
    }
    let codings = values
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(coding_tokens)
        .map(str::to_owned)
        .collect();
    Codings::Listed(codings)
}

fn decode_response(
    response: http::Response<Body>,
    is_head: bool,
    limit: Option<u64>,
) -> http::Response<Body> {
    let status = response.status();
    if is_head
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || response.body().content_length() == Some(0)
        || !response.headers().contains_key(CONTENT_ENCODING)
    {
        return response;
    }
    let mut codings = match content_codings(response.headers()) {
        Codings::Listed(codings) => codings,
        Codings::TooMany(count) => return refuse(response, count),
        Codings::Unreadable => return response,
    };
    // Decode from the last coding applied backwards, while we know the coding.
    let mut decoders = Vec::new();
    while let Some(coding) = codings.last().and_then(|t| Coding::parse(t)) {
        decoders.push(coding);
        codings.pop();
    }
    if decoders.is_empty() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(CONTENT_ENCODING);
    parts.headers.remove(CONTENT_LENGTH);
    if !codings.is_empty() {
        let rest = HeaderValue::from_str(&codings.join(", ")).expect("came from a valid value");
        parts.headers.insert(CONTENT_ENCODING, rest);
    }
    http::Response::from_parts(parts, decode_body(body, &decoders, limit))
}

/// Answers a response whose chain is too long with a body that fails at once
/// (the head stays readable); the unread body is dropped with its connection.
fn refuse(response: http::Response<Body>, count: usize) -> http::Response<Body> {
    let (mut parts, _unread) = response.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    let err = error::decode(
        format!(
            "refused to decode the response body: it names {count} content codings, \
             more than the {MAX_CODINGS} allowed"
        ),
        None,
    );
    let failing = futures_util::stream::iter([Err::<Bytes, Error>(err)]);
    http::Response::from_parts(parts, Body::wrap_stream(failing))
}

/// Wraps a transport error so it can travel through the `io::Error`-based
/// decoders and come out as the same treq error (not as a decode error).
#[derive(Debug)]
struct Transport(BoxError);

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Transport {}

/// A body passed its limit (travels like [`Transport`]): a layer's output,
/// or the compressed input ([`input_cap`]).
#[derive(Debug)]
enum LimitExceeded {
    /// A layer decoded to more than the limit.
    Output(u64),
    /// More compressed input came than a body within `limit` needs.
    Input { limit: u64, cap: u64 },
}

impl LimitExceeded {
    /// The limit the body passed.
    fn limit(&self) -> u64 {
        match *self {
            LimitExceeded::Output(limit) | LimitExceeded::Input { limit, .. } => limit,
        }
    }
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitExceeded::Output(limit) => write!(
                f,
                "the response body decompressed to more than the limit of {limit} bytes"
            ),
            LimitExceeded::Input { limit, cap } => write!(
                f,
                "the compressed response body passed {cap} bytes, more than a body within \
                 the limit of {limit} bytes needs"
            ),
        }
    }
}

impl std::error::Error for LimitExceeded {}

type Reader = Box<dyn AsyncBufRead + Send + Unpin>;

/// A decoder that can hand back the compressed input it has not consumed.
trait Codec: AsyncRead + Send + Unpin {
    /// The input after what the decoder consumed.
    fn input(&mut self) -> &mut Reader;
}

macro_rules! codec_input {
    ($($feature:literal => $decoder:ident),* $(,)?) => {$(
        #[cfg(feature = $feature)]
        impl Codec for async_compression::tokio::bufread::$decoder<Reader> {
            fn input(&mut self) -> &mut Reader {
                self.get_mut()
            }
        }
    )*};
}

codec_input!("gzip" => GzipDecoder, "brotli" => BrotliDecoder, "zstd" => ZstdDecoder);

/// One decoding step: counts the codec's output against the limit and, when
/// the codec's stream ends, checks that no input is left over.
struct Layer {
    codec: Box<dyn Codec>,
    coding: Coding,
    total: u64,
    limit: Option<u64>,
    ended: bool,
}

impl Layer {
    fn new(coding: Coding, input: Reader, limit: Option<u64>) -> Self {
        Layer {
            codec: coding.decoder(input),
            coding,
            total: 0,
            limit,
            ended: false,
        }
    }
}

impl AsyncRead for Layer {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.ended {
            let room = buf.remaining();
            let before = buf.filled().len();
            ready!(Pin::new(&mut this.codec).poll_read(cx, buf))?;
            let produced = buf.filled().len() - before;
            if produced > 0 || room == 0 {
                this.total += produced as u64;
                return Poll::Ready(match this.limit {
                    Some(limit) if this.total > limit => {
                        Err(io::Error::other(LimitExceeded::Output(limit)))
                    }
                    _ => Ok(()),
                });
            }
            this.ended = true;
        }
        // The codec's stream is complete: anything after it is not body data.
        let rest = ready!(Pin::new(this.codec.input()).poll_fill_buf(cx))?;
        Poll::Ready(if rest.is_empty() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("data after the end of the {} stream", this.coding.name()),
            ))
        })
    }
}

/// The most compressed bytes a body decoded within `limit` may take: twice
/// the limit and 64 KiB. Real content is smaller compressed than decoded;
/// the room is for the codings' framing (headers, flushes, gzip members,
/// stored blocks of incompressible data), which no honest body comes near.
fn input_cap(limit: u64) -> u64 {
    limit.saturating_mul(2).saturating_add(64 * 1024)
}

fn decode_body(body: Body, decoders: &[Coding], limit: Option<u64>) -> Body {
    use futures_util::StreamExt;

    let consumed = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&consumed);
    // The compressed input counts too: input that decodes to nothing (a
    // gzip file name that never ends, endless empty blocks or skippable
    // frames) would otherwise be read for ever under any output limit.
    let cap = limit.map(|limit| (limit, input_cap(limit)));
    let data = http_body_util::BodyDataStream::new(body).map(move |chunk| {
        let chunk = chunk.map_err(|e| io::Error::other(Transport(e)))?;
        let len = chunk.len() as u64;
        let read = counter
            .fetch_add(len, Ordering::Relaxed)
            .saturating_add(len);
        match cap {
            Some((limit, cap)) if read > cap => {
                Err(io::Error::other(LimitExceeded::Input { limit, cap }))
            }
            _ => Ok(chunk),
        }
    });
    let (&outermost, inner) = decoders.split_last().expect("at least one coding");
    let mut reader: Reader = Box::new(tokio_util::io::StreamReader::new(data));
    for &coding in inner {
        let layer = Layer::new(coding, reader, limit);
        reader = Box::new(tokio::io::BufReader::with_capacity(CHUNK, layer));
    }
    let names = decoders
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ");
    Body::wrap_stream(Decoded {
        inner: tokio_util::io::ReaderStream::with_capacity(
            Layer::new(outermost, reader, limit),
            CHUNK,
        ),
        consumed,
        names,
        done: false,
    })
}

const CHUNK: usize = 32 * 1024;

/// The decoded stream: sorts errors into transport failures, decode failures
/// and the limit.
struct Decoded {
    inner: tokio_util::io::ReaderStream<Layer>,
    consumed: Arc<AtomicU64>,
    names: String,
    done: bool,
}

impl Stream for Decoded {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let item = ready!(Pin::new(&mut self.inner).poll_next(cx));
        let result = match item {
            None => {
                self.done = true;
                return Poll::Ready(None);
            }
            Some(Ok(chunk)) => Ok(chunk),
            Some(Err(err)) => self.classify(err),
        };
        if result.is_err() {
            self.done = true;
        }
        match result {
            // A body with a Content-Encoding but no bytes at all (a chunked
            // empty body) is empty, not corrupt.
            Err(e) if e.is_decode() && self.consumed.load(Ordering::Relaxed) == 0 => {
                Poll::Ready(None)
            }
            other => Poll::Ready(Some(other)),
        }
    }
}

impl Decoded {
    fn classify(&self, err: io::Error) -> Result<Bytes, Error> {
        if err.get_ref().is_some_and(|e| e.is::<Transport>()) {
            let inner = err.into_inner().expect("checked above");
            let transport = inner.downcast::<Transport>().expect("checked above");
            return Err(error::from_body_error(transport.0));
        }
        if let Some(exceeded) = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<LimitExceeded>())
        {
            let limit = exceeded.limit();
            return Err(Error::new(ErrorKind::BodyLimitExceeded { limit }, None)
                .with_message(exceeded.to_string()));
        }
        Err(error::decode(
            format!(
                "could not decode the response body (Content-Encoding: {})",
                self.names
            ),
            Some(Box::new(err)),
        ))
    }
}

/// "deflate" as servers send it: zlib-wrapped (RFC 9110) or, from some old
/// servers, raw deflate. Like browsers, look at the first two bytes: a valid
/// zlib header (method 8, window <= 32K, check bits) means zlib.
#[cfg(feature = "deflate")]
enum DeflateAuto {
    Detect(Option<Reader>),
    Zlib(async_compression::tokio::bufread::ZlibDecoder<Reader>),
    Raw(async_compression::tokio::bufread::DeflateDecoder<Reader>),
}

#[cfg(feature = "deflate")]
impl Codec for DeflateAuto {
    fn input(&mut self) -> &mut Reader {
        match self {
            DeflateAuto::Detect(reader) => reader.as_mut().expect("present until decided"),
            DeflateAuto::Zlib(d) => d.get_mut(),
            DeflateAuto::Raw(d) => d.get_mut(),
        }
    }
}

#[cfg(feature = "deflate")]
fn looks_like_zlib(head: &[u8]) -> bool {
    match head {
        [] => true,
        [cmf] => cmf & 0x0f == 8 && cmf >> 4 <= 7,
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
    }
}

#[cfg(feature = "deflate")]
impl AsyncRead for DeflateAuto {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        use async_compression::tokio::bufread::{DeflateDecoder, ZlibDecoder};
        loop {
            match &mut *self {
                DeflateAuto::Detect(reader) => {
                    let head =
                        ready!(Pin::new(reader.as_mut().expect("present until decided"))
                            .poll_fill_buf(cx))?;
                    let zlib = looks_like_zlib(head);
                    let reader = reader.take().expect("present until decided");
                    *self = if zlib {
                        DeflateAuto::Zlib(ZlibDecoder::new(reader))
                    } else {
                        DeflateAuto::Raw(DeflateDecoder::new(reader))
                    };
                }
                DeflateAuto::Zlib(d) => return Pin::new(d).poll_read(cx, buf),
                DeflateAuto::Raw(d) => return Pin::new(d).poll_read(cx, buf),
            }
        }
    }
}

#[cfg(all(
    test,
    feature = "gzip",
    feature = "deflate",
    feature = "brotli",
    feature = "zstd"
))]
mod tests;
