//! The `multipart/form-data` layout treq sends: ordering, part
//! headers and their escaping, the boundary, and the length computed up front.

use bytes::{BufMut, Bytes, BytesMut};
use http::HeaderValue;

use super::part::Part;
use super::stream::{MultipartStream, PartContent, Segment};
use crate::{error, Body};

const CRLF: &[u8] = b"\r\n";

/// Text values up to this size are copied next to their headers (one chunk);
/// larger ones are sent as their own chunk without a copy.
const INLINE_VALUE: usize = 8 * 1024;

/// How many fresh boundaries to try before giving up. A random boundary
/// colliding even once is practically impossible; the cap only guarantees
/// that encoding always ends.
const BOUNDARY_ATTEMPTS: usize = 16;

/// Encodes text fields and file parts into a `Content-Type` and a body, with a
/// fresh random boundary that occurs in none of the in-memory content.
pub(crate) fn encode(
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    files: Vec<(String, Part)>,
) -> crate::Result<(HeaderValue, Body)> {
    let form = Form::new(fields, files)?;
    for _ in 0..BOUNDARY_ATTEMPTS {
        let boundary = random_boundary();
        if !form.contains(boundary.as_bytes()) {
            return form.into_body(&boundary);
        }
    }
    Err(error::builder(
        "could not find a multipart boundary absent from the content",
    ))
}

/// [`encode`] with a given boundary (for exact-bytes tests; no collision check).
#[cfg(test)]
pub(crate) fn encode_with_boundary(
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    files: Vec<(String, Part)>,
    boundary: &str,
) -> crate::Result<(HeaderValue, Body)> {
    Form::new(fields, files)?.into_body(boundary)
}

/// A hyphenated random (version 4) UUID, like the boundary Python treq's
/// client uses: 122 random bits.
fn random_boundary() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A text field, validated.
struct Field {
    name: String,
    value: Vec<u8>,
}

/// A file part, validated, with its header lines rendered.
struct File {
    name: String,
    filename: Option<String>,
    content_type: String,
    body: Body,
    length: Option<u64>,
}

/// The validated, ordered parts of one body.
struct Form {
    fields: Vec<Field>,
    files: Vec<File>,
}

impl Form {
    fn new(fields: Vec<(Vec<u8>, Vec<u8>)>, files: Vec<(String, Part)>) -> crate::Result<Form> {
        let mut fields = fields
            .into_iter()
            .map(|(name, value)| match String::from_utf8(name) {
                Ok(name) => Ok(Field { name, value }),
                Err(e) => Err(error::builder_with(
                    "a multipart field name is not valid UTF-8",
                    e,
                )),
            })
            .collect::<crate::Result<Vec<_>>>()?;
        let mut files = files
            .into_iter()
            .map(|(name, part)| {
                let content_type = validate_content_type(&name, &part.effective_content_type())?;
                let filename = part.filename.filter(|f| !f.is_empty());
                Ok(File {
                    name,
                    filename,
                    content_type,
                    body: part.body,
                    length: part.length,
                })
            })
            .collect::<crate::Result<Vec<_>>>()?;
        // treq's order: text fields first, then files; each group stably sorted
        // by name (so repeated names keep their relative order).
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Form { fields, files })
    }

    /// True if `needle` occurs in any content known before sending.
    fn contains(&self, needle: &[u8]) -> bool {
        let fields = self
            .fields
            .iter()
            .flat_map(|f| [f.name.as_bytes(), &f.value[..]]);
        let files = self.files.iter().flat_map(|f| {
            [
                f.name.as_bytes(),
                f.filename.as_deref().unwrap_or("").as_bytes(),
                f.content_type.as_bytes(),
                f.body.as_bytes().unwrap_or(&[]),
            ]
        });
        fields.chain(files).any(|hay| find(hay, needle))
    }

    fn into_body(self, boundary: &str) -> crate::Result<(HeaderValue, Body)> {
        let content_type =
            HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
                .map_err(|e| error::builder_with("invalid multipart boundary", e))?;
        let in_memory = self.files.iter().all(|f| f.body.as_bytes().is_some());

        let mut segments = Vec::new();
        let mut pending = BytesMut::new();
        let mut index = 0;
        let mut open_part = |pending: &mut BytesMut| {
            if index > 0 {
                pending.put_slice(CRLF);
            }
            index += 1;
            pending.put_slice(b"--");
            pending.put_slice(boundary.as_bytes());
            pending.put_slice(CRLF);
        };

        for field in self.fields {
            open_part(&mut pending);
            put_disposition(&mut pending, &field.name, None);
            pending.put_slice(CRLF);
            if field.value.len() <= INLINE_VALUE || in_memory {
                pending.put_slice(&field.value);
            } else {
                segments.push(Segment::Bytes(pending.split().freeze()));
                segments.push(Segment::Bytes(Bytes::from(field.value)));
            }
        }
        for file in self.files {
            open_part(&mut pending);
            put_disposition(&mut pending, &file.name, file.filename.as_deref());
            pending.put_slice(b"Content-Type: ");
            pending.put_slice(file.content_type.as_bytes());
            pending.put_slice(CRLF);
            let len = file.length;
            if let Some(len) = len {
                pending.put_slice(format!("Content-Length: {len}").as_bytes());
                pending.put_slice(CRLF);
            }
            pending.put_slice(CRLF);
            match file.body.as_bytes() {
                // All in memory: one buffer, so the body is replayable (307/308
                // redirects and digest auth resend it). That costs one copy.
                Some(bytes) if in_memory => pending.put_slice(bytes),
                _ => {
                    segments.push(Segment::Bytes(pending.split().freeze()));
                    segments.push(Segment::Part(PartContent {
                        name: file.name,
                        body: file.body,
                        len,
                    }));
                }
            }
        }
        pending.put_slice(CRLF);
        pending.put_slice(b"--");
        pending.put_slice(boundary.as_bytes());
        pending.put_slice(b"--");
        pending.put_slice(CRLF);

        if in_memory {
            return Ok((content_type, Body::from_bytes(pending.freeze())));
        }
        segments.push(Segment::Bytes(pending.freeze()));
        let total = total_length(&segments)?;
        let stream = MultipartStream::new(segments);
        let body = match total {
            Some(total) => Body::sized_stream(stream, total),
            None => Body::wrap_stream(stream),
        };
        Ok((content_type, body))
    }
}

/// The exact length of the body, `None` when a part's length is unknown. The
/// parts' lengths are the caller's claims: a sum past `u64::MAX` is a builder
/// error, never a wrapped or panicking addition.
fn total_length(segments: &[Segment]) -> crate::Result<Option<u64>> {
    let mut total: u64 = 0;
    for segment in segments {
        let len = match segment {
            Segment::Bytes(b) => b.len() as u64,
            Segment::Part(p) => match p.len {
                Some(len) => len,
                None => return Ok(None),
            },
        };
        total = total.checked_add(len).ok_or_else(|| {
            error::builder(
                "the multipart body is too long: its parts' declared lengths add up to more \
                 than 2^64 - 1 bytes",
            )
        })?;
    }
    Ok(Some(total))
}

/// `Content-Disposition: form-data; name="N"[; filename="F"]\r\n`.
fn put_disposition(out: &mut BytesMut, name: &str, filename: Option<&str>) {
    out.put_slice(b"Content-Disposition: form-data; name=\"");
    put_escaped(out, name);
    out.put_u8(b'"');
    if let Some(filename) = filename {
        out.put_slice(b"; filename=\"");
        put_escaped(out, filename);
        out.put_u8(b'"');
    }
    out.put_slice(CRLF);
}

/// The escaping of names and filenames browsers and curl use (WHATWG's
/// "escape a multipart/form-data name"): `"` becomes `%22`, CR `%0D` and LF
/// `%0A`, so no value can close its quoted string or end the header line;
/// the other ASCII controls but tab are percent-encoded the same way, since
/// no header value may hold them; everything else is raw UTF-8. Python treq escapes `"` as `\"` instead and
/// leaves `\` alone, so for a parser that reads quoted-pairs a value ending
/// in `\` (or holding `\"`) ends its quoted string in the wrong place, and
/// the rest of the value can forge the next parameter.
///
/// Backslashes are sent as they are (Windows paths reach every parser
/// intact), except at the very end of the value: a parser that reads
/// quoted-pairs (Python's, Go's, multer) would take a final `\` as escaping
/// the closing quote, so trailing backslashes are sent as `%5C`. Escaping
/// every `\` as `\\` would not do: multer, for one, never unescapes it.
fn put_escaped(out: &mut BytesMut, value: &str) {
    let kept = value.trim_end_matches('\\');
    for c in kept.chars() {
        match c {
            '"' => out.put_slice(b"%22"),
            '\r' => out.put_slice(b"%0D"),
            '\n' => out.put_slice(b"%0A"),
            // Other controls (NUL, DEL, ...) are not allowed in a header
            // value: strict parsers refuse the whole part header, so the
            // upload would be unreadable. Tab is allowed and kept.
            c if (c.is_ascii_control() && c != '\t') => {
                out.put_slice(format!("%{:02X}", u32::from(c)).as_bytes());
            }
            c => out.put_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    for _ in kept.len()..value.len() {
        out.put_slice(b"%5C");
    }
}

/// Drops CR and LF (treq does), then requires an ASCII, well-formed media type.
/// Unlike treq, `"` is kept: the value is validated, so quotes can only be the
/// quoting of a parameter value, which escaping would break.
fn validate_content_type(name: &str, value: &str) -> crate::Result<String> {
    let cleaned: String = value
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .collect();
    if !cleaned.is_ascii() {
        return Err(error::builder(format!(
            "the content type {value:?} of multipart part {name:?} is not ASCII"
        )));
    }
    let invalid = || {
        format!("the content type {value:?} of multipart part {name:?} is not a valid media type")
    };
    match cleaned.parse::<mime::Mime>() {
        // The mime crate accepts an empty subtype (`text/`); a media type has none.
        Ok(m) if m.subtype().as_str().is_empty() => Err(error::builder(invalid())),
        Ok(_) => Ok(cleaned),
        Err(e) => Err(error::builder_with(invalid(), e)),
    }
}

/// True if `needle` occurs in `hay` (scans for the first byte, then compares).
fn find(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    hay.iter()
        .enumerate()
        .any(|(i, &b)| b == first && hay.get(i + 1..i + 1 + rest.len()) == Some(rest))
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
