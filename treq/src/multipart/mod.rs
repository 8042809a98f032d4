//! Multipart (`multipart/form-data`) request bodies, as Python treq builds
//! them for `files=`.
//!
//! Give file parts to [`RequestBuilder::files`](crate::RequestBuilder::files)
//! and text fields to [`RequestBuilder::form`](crate::RequestBuilder::form):
//!
//! ```no_run
//! # async fn run() -> treq::Result<()> {
//! let client = treq::HttpClient::new(treq::HyperAgent::new());
//! let response = client
//!     .post("http://127.0.0.1:8080/post")
//!     .files([("file1", treq::Part::file("image.png").await?)])
//!     .form([("k", "v")])
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The encoding follows treq byte for byte:
//!
//! - **Order.** Text fields come first, then files; within each group parts
//!   are stably sorted by name, so repeated names keep their order (treq
//!   sorts so the output is deterministic and the big parts come last).
//! - **Layout.** Each part starts with `--BOUNDARY\r\n` (preceded by `\r\n`
//!   after the first part); a text field has only
//!   `Content-Disposition: form-data; name="N"`; a file part adds
//!   `; filename="F"` (when it has a non-empty filename), a `Content-Type`
//!   and, when its length is known, a `Content-Length`. The body ends with
//!   `\r\n--BOUNDARY--\r\n`.
//! - **Escaping.** In names and filenames, `"`, CR and LF are sent as `%22`,
//!   `%0D` and `%0A`, as browsers and curl do (Python treq drops CR and LF
//!   and sends `\"`, which a name ending in `\` turns into a forged
//!   parameter), and trailing backslashes as `%5C` (a parser reading
//!   quoted-pairs would take a final `\` as escaping the closing quote);
//!   other characters, inner backslashes included, are sent as raw UTF-8 (no
//!   RFC 2231 encoding). A content type that is not ASCII or not a valid
//!   media type makes `send` fail with a builder error.
//! - **Length overflow.** Declared part lengths whose sum with the part
//!   headers passes `u64::MAX` make `send` fail with a builder error.
//! - **Boundary.** A fresh random UUID (122 random bits) per request. It is
//!   checked against every part held in memory and drawn again on a match;
//!   file and stream parts are not read ahead to check, and the chance that
//!   their content contains an unpredictable 36-character boundary is
//!   negligible.
//! - **Length.** When every part's length is known (bytes, text, files,
//!   [`Part::stream_with_length`]), the request carries an exact
//!   `Content-Length`, computed up front without reading anything; otherwise
//!   it is sent chunked.
//! - **Streaming.** Files and streams are read chunk by chunk as the
//!   connection takes the bytes, so memory stays flat whatever their size. A
//!   read error, or a part shorter or longer than its announced length, fails
//!   the request rather than sending a truncated upload. A body made only of
//!   in-memory parts is one buffer and can be resent (307/308 redirects,
//!   digest auth); one with files or streams can be sent once.
//! - **No parts.** Calling `files` with an empty list still sends a multipart
//!   body (the form fields alone, or just the closing boundary), where Python
//!   treq would fall back to an urlencoded form: asking for multipart gets
//!   multipart.

mod encode;
mod part;
mod stream;

pub(crate) use self::encode::encode;
pub use self::part::Part;
