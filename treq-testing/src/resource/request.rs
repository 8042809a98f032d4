//! [`ServerRequest`]: what a resource receives, with the form arguments and
//! async access to the body.

use std::fmt;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use treq::Body;

use crate::matchers::MultiMap;

/// The request a [`Resource`](super::Resource) receives: the `http::Request` as the server
/// parsed it, plus whether it came over `https`, the full URL, the form
/// arguments and async access to the body.
///
/// Its URI is absolute (`scheme://host/path?query`, from the `Host` header),
/// so tower services that look at the scheme see it.
pub struct ServerRequest {
    request: http::Request<Body>,
    secure: bool,
    buffered: Option<Bytes>,
}

impl fmt::Debug for ServerRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerRequest")
            .field("method", self.request.method())
            .field("uri", self.request.uri())
            .field("headers", self.request.headers())
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

impl ServerRequest {
    /// Wraps a request (its URI should be absolute). `secure` is what
    /// [`is_secure`](Self::is_secure) reports.
    pub fn new(request: http::Request<Body>, secure: bool) -> Self {
        ServerRequest {
            request,
            secure,
            buffered: None,
        }
    }

    /// True if the client used an `https://` URL.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The method.
    pub fn method(&self) -> &http::Method {
        self.request.method()
    }

    /// The absolute URI (`scheme://host/path?query`).
    pub fn uri(&self) -> &http::Uri {
        self.request.uri()
    }

    /// The full URL, or `None` if the URI does not parse as one.
    pub fn url(&self) -> Option<url::Url> {
        url::Url::parse(&self.request.uri().to_string()).ok()
    }

    /// The headers, exactly as the client sent them (with `Host`,
    /// `Content-Length` or `Transfer-Encoding`).
    pub fn headers(&self) -> &http::HeaderMap {
        self.request.headers()
    }

    /// The first value of a header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
    }

    /// The HTTP version.
    pub fn version(&self) -> http::Version {
        self.request.version()
    }

    /// The request extensions.
    pub fn extensions(&self) -> &http::Extensions {
        self.request.extensions()
    }

    /// The query arguments as a sorted multi-map (a bare `?y` is dropped,
    /// `k=` gives `[""]`).
    pub fn query_args(&self) -> MultiMap {
        let mut map = MultiMap::new();
        if let Some(query) = self.request.uri().query() {
            add_urlencoded(&mut map, query.as_bytes(), true);
        }
        sort_values(&mut map);
        map
    }

    /// True if the body is known to be empty without reading it.
    pub(crate) fn body_is_empty(&self) -> bool {
        self.buffered.as_ref().map_or_else(
            || http_body::Body::is_end_stream(self.request.body()),
            Bytes::is_empty,
        )
    }

    /// True for a `multipart/form-data` body with a boundary, whose fields
    /// [`args`](Self::args) parses.
    pub(crate) fn is_multipart(&self) -> bool {
        self.content_type().is_some_and(|mime| {
            mime.essence_str() == "multipart/form-data" && mime.get_param(mime::BOUNDARY).is_some()
        })
    }

    fn content_type(&self) -> Option<mime::Mime> {
        let value = self.request.headers().get(CONTENT_TYPE)?;
        value.to_str().ok()?.parse().ok()
    }

    /// Reads the whole body (once; later calls return the same bytes).
    pub async fn body_bytes(&mut self) -> treq::Result<Bytes> {
        if let Some(bytes) = &self.buffered {
            return Ok(bytes.clone());
        }
        if http_body::Body::is_end_stream(self.request.body()) {
            self.buffered = Some(Bytes::new());
            return Ok(Bytes::new());
        }
        let body = std::mem::take(self.request.body_mut());
        let bytes = body.collect_bytes(None).await?;
        *self.request.body_mut() = Body::from_bytes(bytes.clone());
        self.buffered = Some(bytes.clone());
        Ok(bytes)
    }

    /// Twisted's `request.args`: query arguments plus the fields of an
    /// `application/x-www-form-urlencoded` or `multipart/form-data` body,
    /// names to sorted values. Reads the body (see [`body_bytes`](Self::body_bytes)).
    pub async fn args(&mut self) -> treq::Result<MultiMap> {
        let mut map = MultiMap::new();
        if let Some(query) = self.request.uri().query() {
            add_urlencoded(&mut map, query.as_bytes(), true);
        }
        if let Some(mime) = self.content_type() {
            if mime.essence_str() == "application/x-www-form-urlencoded" {
                let body = self.body_bytes().await?;
                add_urlencoded(&mut map, &body, false);
            } else if mime.essence_str() == "multipart/form-data" {
                if let Some(boundary) = mime.get_param(mime::BOUNDARY) {
                    let boundary = boundary.as_str().to_owned();
                    let body = self.body_bytes().await?;
                    add_multipart(&mut map, body, &boundary).await?;
                }
            }
        }
        sort_values(&mut map);
        Ok(map)
    }

    /// The underlying request (with the body buffered if it was read).
    pub fn into_http(self) -> http::Request<Body> {
        self.request
    }

    /// The underlying request.
    pub fn as_http(&self) -> &http::Request<Body> {
        &self.request
    }
}

fn sort_values(map: &mut MultiMap) {
    for values in map.values_mut() {
        values.sort();
    }
}

/// Adds `k=v&...` pairs. In a query a bare key (`?y`) is dropped, as Twisted
/// does; `k=` gives an empty value.
fn add_urlencoded(map: &mut MultiMap, input: &[u8], drop_bare: bool) {
    for part in input.split(|b| *b == b'&') {
        if part.is_empty() || (drop_bare && !part.contains(&b'=')) {
            continue;
        }
        if let Some((k, v)) = url::form_urlencoded::parse(part).next() {
            map.entry(k.into_owned()).or_default().push(v.into_owned());
        }
    }
}

/// Adds the text fields of a multipart body (file parts included, by their
/// content, like Twisted's `request.args`).
async fn add_multipart(map: &mut MultiMap, body: Bytes, boundary: &str) -> treq::Result<()> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(treq::Error::from_body_failure)?;
        let Some(field) = field else { break };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(treq::Error::from_body_failure)?;
        map.entry(name)
            .or_default()
            .push(String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uri: &str, content_type: Option<&str>, body: &'static str) -> ServerRequest {
        let mut b = http::Request::builder().uri(uri);
        if let Some(ct) = content_type {
            b = b.header(CONTENT_TYPE, ct);
        }
        ServerRequest::new(b.body(Body::from(body)).unwrap(), false)
    }

    #[test]
    fn query_args_are_sorted_and_bare_keys_dropped() {
        let r = req("http://h/p?x=1&b=2&b=1&a=3&y&k=", None, "");
        let args = r.query_args();
        assert_eq!(args["b"], vec!["1", "2"]);
        assert_eq!(args["k"], vec![""]);
        assert!(!args.contains_key("y"));
    }

    #[tokio::test]
    async fn args_include_urlencoded_form_fields() {
        let mut r = req(
            "http://h/p?x=%C3%A9",
            Some("application/x-www-form-urlencoded"),
            "f=1&g=3&g=2",
        );
        let args = r.args().await.unwrap();
        assert_eq!(args["x"], vec!["é"]);
        assert_eq!(args["f"], vec!["1"]);
        assert_eq!(args["g"], vec!["2", "3"]);
        // The body stays readable after args() buffered it.
        assert_eq!(r.body_bytes().await.unwrap(), "f=1&g=3&g=2");
    }

    #[tokio::test]
    async fn args_include_multipart_fields() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n\
                    Content-Type: text/plain\r\n\r\nfile body\r\n--XX--\r\n";
        let mut r = req("http://h/", Some("multipart/form-data; boundary=XX"), body);
        let args = r.args().await.unwrap();
        assert_eq!(args["a"], vec!["one"]);
        assert_eq!(args["f"], vec!["file body"]);
    }
}
