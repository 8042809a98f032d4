//! Multipart (`multipart/form-data`) bodies: parts from memory, files or streams.

use bytes::Bytes;
use http::HeaderValue;

use crate::{error, Body};

/// One file part of a multipart body.
#[derive(Debug)]
pub struct Part {
    body: Body,
    filename: Option<String>,
    content_type: Option<String>,
}

impl Part {
    /// A part holding these bytes.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Part {
            body: Body::from_bytes(bytes),
            filename: None,
            content_type: None,
        }
    }

    /// Sets the file name.
    pub fn filename(mut self, name: impl Into<String>) -> Self {
        self.filename = Some(name.into());
        self
    }

    /// Sets the content type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

/// Encodes text fields and file parts into a body and its Content-Type.
pub(crate) fn encode(
    _fields: Vec<(Vec<u8>, Vec<u8>)>,
    _files: Vec<(String, Part)>,
) -> crate::Result<(HeaderValue, Body)> {
    Err(error::builder("multipart bodies are not available yet"))
}
