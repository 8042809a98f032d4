//! Request bodies as httpbin reports them: `data`, `form`, `files`, `json`.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::Value;

/// What httpbin shows of a request body.
pub(super) struct Parsed {
    /// The raw body as text (empty for form and multipart bodies).
    pub(super) data: String,
    /// File parts of a multipart body: field name -> content as text.
    pub(super) files: Vec<(String, String)>,
    /// urlencoded fields, or the non-file parts of a multipart body.
    pub(super) form: Vec<(String, String)>,
    /// The body parsed as JSON, or `null`.
    pub(super) json: Value,
}

/// Parses `body` according to its `Content-Type`. A malformed multipart body
/// is an `Err` with a message for a 400 answer.
pub(super) async fn parse_body(content_type: Option<&str>, body: &Bytes) -> Result<Parsed, String> {
    let mut parsed = Parsed {
        data: String::new(),
        files: Vec::new(),
        form: Vec::new(),
        json: Value::Null,
    };
    let mime = content_type.unwrap_or("").to_ascii_lowercase();
    if mime.starts_with("application/x-www-form-urlencoded") {
        parsed.form = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    } else if mime.starts_with("multipart/form-data") {
        let content_type = content_type.unwrap_or("");
        let boundary = multer::parse_boundary(content_type)
            .map_err(|e| format!("bad multipart Content-Type: {e}"))?;
        let (files, form) = multipart(body.clone(), boundary).await?;
        parsed.files = files;
        parsed.form = form;
    } else {
        parsed.data = as_text(body);
        parsed.json = serde_json::from_slice(body).unwrap_or(Value::Null);
    }
    Ok(parsed)
}

type Pairs = Vec<(String, String)>;

async fn multipart(body: Bytes, boundary: String) -> Result<(Pairs, Pairs), String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut reader = multer::Multipart::new(stream, boundary);
    let (mut files, mut form) = (Vec::new(), Vec::new());
    loop {
        let field = match reader.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(format!("malformed multipart body: {e}")),
        };
        let name = field.name().unwrap_or("").to_owned();
        let is_file = field.file_name().is_some();
        let content = field
            .bytes()
            .await
            .map_err(|e| format!("malformed multipart body: {e}"))?;
        if is_file {
            files.push((name, as_text(&content)));
        } else {
            form.push((name, String::from_utf8_lossy(&content).into_owned()));
        }
    }
    Ok((files, form))
}

/// UTF-8 text as is; anything else as a base64 `data:` URL, like httpbin.
fn as_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => format!(
            "data:application/octet-stream;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
    }
}
