//! `Part`: one file part of a multipart body, from memory, a file or a stream.

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use futures_core::Stream;
use tokio::io::AsyncRead;

use crate::error::BoxError;
use crate::error::{Error, ErrorKind};
use crate::Body;

/// The content type of a part whose type is neither set nor guessable from
/// its filename (treq's fallback).
pub(super) const OCTET_STREAM: &str = "application/octet-stream";

/// How many bytes a reader-backed part reads per chunk.
const READ_CHUNK: usize = 64 * 1024;

/// One file part of a `multipart/form-data` body, sent under a field name with
/// [`RequestBuilder::files`](crate::RequestBuilder::files).
///
/// Every part is sent with a `Content-Type` header: the one set with
/// [`content_type`](Self::content_type), else one guessed from the filename's
/// extension, else `application/octet-stream` (`text/plain; charset=utf-8` for
/// [`Part::text`]). Parts whose length is known also carry a `Content-Length`
/// header, like Python treq's.
///
/// Files and streams are read as the connection asks for more bytes, never
/// whole into memory.
///
/// ```no_run
/// # async fn run() -> treq::Result<()> {
/// let client = treq::HttpClient::new(treq::HyperAgent::new());
/// let response = client
///     .post("http://127.0.0.1:8080/post")
///     .files([
///         ("file1", treq::Part::file("image.png").await?),
///         ("notes", treq::Part::text("hello").filename("notes.txt")),
///         ("blob", treq::Part::bytes(vec![0u8, 1, 2]).content_type("application/x-thing")),
///     ])
///     .form([("k", "v")])
///     .await?;
/// # Ok(()) }
/// ```
pub struct Part {
    pub(super) body: Body,
    /// The length declared for the content (the body's own, or the one a
    /// stream was given: a claim of `u64::MAX` bytes must reach the overflow
    /// check, and a `Body` cannot hold that length).
    pub(super) length: Option<u64>,
    pub(super) filename: Option<String>,
    pub(super) content_type: Option<String>,
    pub(super) default_type: &'static str,
}

impl Part {
    fn new(body: Body, default_type: &'static str) -> Self {
        Part {
            length: body.content_length(),
            body,
            filename: None,
            content_type: None,
            default_type,
        }
    }

    /// A part holding these bytes, with no filename and, unless set,
    /// `Content-Type: application/octet-stream`.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Part::new(Body::from_bytes(bytes), OCTET_STREAM)
    }

    /// A part holding this text as UTF-8, with no filename and, unless set,
    /// `Content-Type: text/plain; charset=utf-8`.
    ///
    /// For plain form fields (no `Content-Type` header at all), use
    /// [`RequestBuilder::form`](crate::RequestBuilder::form) next to `files`.
    pub fn text(text: impl Into<String>) -> Self {
        Part::new(Body::from_bytes(text.into()), "text/plain; charset=utf-8")
    }

    /// Opens a file to be streamed from disk: the filename is the path's last
    /// component and the content type is guessed from its extension
    /// (`image.png` → `image/png`), else `application/octet-stream`. The
    /// length is read now, so the part and the request carry `Content-Length`.
    ///
    /// A path that is not a regular file (a pipe, a device) is streamed with
    /// an unknown length, so the request is sent chunked.
    ///
    /// Fails with a body error ([`Error::is_body`]) when the file cannot be
    /// opened, its length cannot be read, or it is a directory.
    pub async fn file(path: impl AsRef<Path>) -> crate::Result<Part> {
        let path = path.as_ref();
        let fail = |e: std::io::Error, what: &str| {
            Error::custom(
                ErrorKind::Body,
                format!("could not {what} {} for a multipart part", path.display()),
                Some(Box::new(e)),
            )
        };
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| fail(e, "open"))?;
        let meta = file
            .metadata()
            .await
            .map_err(|e| fail(e, "read the length of"))?;
        let mut part = if meta.is_file() {
            let body = Body::from_file(file)
                .await
                .map_err(|e| fail(e, "read the length of"))?;
            Part::new(body, OCTET_STREAM)
        } else if meta.is_dir() {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, "is a directory");
            return Err(fail(e, "upload"));
        } else {
            // A pipe or device: its metadata length means nothing, so it is
            // streamed with an unknown length (the request goes chunked).
            Part::reader(file, None)
        };
        part.filename = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        Ok(part)
    }

    /// A part read from a stream of chunks whose total length is unknown: the
    /// part has no `Content-Length` and the request is sent chunked.
    ///
    /// A stream error fails the request (nothing is sent as if complete).
    pub fn stream<S, B, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        Part::new(Body::wrap_stream(stream), OCTET_STREAM)
    }

    /// A part read from a stream that yields exactly `len` bytes: the part
    /// carries `Content-Length` and, if every part's length is known, so does
    /// the request. A stream that ends early or runs long fails the request.
    pub fn stream_with_length<S, B, E>(stream: S, len: u64) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        let mut part = Part::new(Body::sized_stream(stream, len), OCTET_STREAM);
        part.length = Some(len);
        part
    }

    /// A part read from any tokio [`AsyncRead`], in 64 KiB chunks; with
    /// `Some(len)` it behaves like [`stream_with_length`](Self::stream_with_length),
    /// with `None` like [`stream`](Self::stream).
    pub fn reader<R>(reader: R, len: Option<u64>) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        let stream = tokio_util::io::ReaderStream::with_capacity(reader, READ_CHUNK);
        match len {
            Some(len) => Part::stream_with_length(stream, len),
            None => Part::stream(stream),
        }
    }

    /// Sets the filename sent in `Content-Disposition`. `"`, carriage returns
    /// and line feeds are sent as `%22`, `%0D` and `%0A` (as browsers and curl
    /// do) and trailing backslashes as `%5C`; other characters are sent as
    /// raw UTF-8. An empty name means no `filename` parameter.
    pub fn filename(mut self, name: impl Into<String>) -> Self {
        self.filename = Some(name.into());
        self
    }

    /// Sends no `filename` parameter (for example for a file whose name is
    /// private); the content type is then no longer guessed from it.
    pub fn no_filename(mut self) -> Self {
        self.filename = None;
        self
    }

    /// Sets the part's `Content-Type`. Carriage returns and line feeds are
    /// removed; a value that is not ASCII or not a valid media type makes the
    /// request fail with a builder error ([`Error::is_builder`]) when sent.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The number of bytes in the part's content, when known up front.
    pub fn length(&self) -> Option<u64> {
        self.length
    }

    /// The content type the part will be sent with, before validation: the
    /// one set, else guessed from the filename, else the default.
    pub(super) fn effective_content_type(&self) -> String {
        if let Some(ct) = &self.content_type {
            return ct.clone();
        }
        self.filename
            .as_deref()
            .filter(|name| !name.is_empty())
            .and_then(|name| mime_guess::from_path(name).first_raw())
            .unwrap_or(self.default_type)
            .to_owned()
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Part")
            .field("filename", &self.filename)
            .field("content_type", &self.effective_content_type())
            .field("body", &self.body)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_is_explicit_then_guessed_then_default() {
        assert_eq!(Part::bytes("x").effective_content_type(), OCTET_STREAM);
        assert_eq!(
            Part::text("x").effective_content_type(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            Part::bytes("x")
                .filename("image.jpg")
                .effective_content_type(),
            "image/jpeg"
        );
        assert_eq!(
            Part::bytes("x")
                .filename("image.png")
                .effective_content_type(),
            "image/png"
        );
        assert_eq!(
            Part::bytes("x").filename("noext").effective_content_type(),
            OCTET_STREAM
        );
        assert_eq!(
            Part::bytes("x")
                .filename("image.jpg")
                .content_type("text/plain")
                .effective_content_type(),
            "text/plain"
        );
        assert_eq!(
            Part::bytes("x")
                .filename("image.jpg")
                .no_filename()
                .effective_content_type(),
            OCTET_STREAM
        );
    }

    #[tokio::test]
    async fn file_part_has_basename_guessed_type_and_length() {
        let dir = std::env::temp_dir().join(format!("treq-part-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("picture.png");
        std::fs::write(&path, b"not really a png").unwrap();
        let part = Part::file(&path).await.unwrap();
        assert_eq!(part.filename.as_deref(), Some("picture.png"));
        assert_eq!(part.effective_content_type(), "image/png");
        assert_eq!(part.length(), Some(16));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn missing_file_is_a_body_error_naming_the_path() {
        let err = Part::file("/definitely/not/here.bin").await.unwrap_err();
        assert!(err.is_body(), "{err:?}");
        assert!(
            err.to_string().contains("/definitely/not/here.bin"),
            "{err}"
        );
    }

    #[test]
    fn part_is_send_sync_and_debug() {
        fn check<T: Send + Sync + fmt::Debug>() {}
        check::<Part>();
        let debug = format!("{:?}", Part::bytes("abc").filename("a.png"));
        assert!(
            debug.contains("image/png") && debug.contains("3 bytes"),
            "{debug}"
        );
    }

    #[tokio::test]
    async fn a_directory_is_refused() {
        let err = Part::file(std::env::temp_dir()).await.unwrap_err();
        assert!(err.is_body(), "{err:?}");
        assert!(err.to_string().contains("could not upload"), "{err}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_device_is_streamed_with_unknown_length() {
        let part = Part::file("/dev/null").await.unwrap();
        assert_eq!(part.length(), None);
        assert_eq!(part.filename.as_deref(), Some("null"));
    }

    #[test]
    fn reader_and_stream_lengths() {
        let reader = Part::reader(&b"abc"[..], Some(3));
        assert_eq!(reader.length(), Some(3));
        let reader = Part::reader(&b"abc"[..], None);
        assert_eq!(reader.length(), None);
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("a"))]);
        assert_eq!(Part::stream(chunks).length(), None);
    }
}
