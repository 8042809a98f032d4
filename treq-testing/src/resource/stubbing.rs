//! treq's `StringStubbingResource`: a resource that hands each request to a
//! plain function as a [`StubRequest`] and sends back its [`StubResponse`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::Either;
use http::header::CONTENT_TYPE;
use treq::Body;

use super::{Fault, IntoResourceResponse, Resource, ResourceFuture, ServerRequest};
use crate::matchers::{fmt_bytes, MultiMap};
use crate::normalize::normalize_uri;

/// One request as a stub function sees it.
#[derive(Clone, PartialEq, Eq)]
pub struct StubRequest {
    /// The method, uppercase (`"GET"` even if the client wrote `"get"`).
    pub method: String,
    /// `scheme://host[:non-default port]/path`: no query or fragment, host
    /// lowercased, `/` for an empty path, dot segments resolved.
    pub url: String,
    /// Query arguments plus urlencoded or multipart form fields, names to
    /// sorted values (a bare `?y` is dropped, `k=` gives `[""]`).
    pub params: MultiMap,
    /// Every request header as the server received it (`host`,
    /// `content-length`, ...): lowercase names to sorted values.
    pub headers: MultiMap,
    /// The raw body (empty when there is none).
    pub body: Bytes,
    /// Why the request could not be read whole, or `None`: form fields that
    /// do not parse (a `multipart/form-data` body that is not multipart, or
    /// that header without a body) leave `params` with the query arguments
    /// only and `body` raw; a body that fails to arrive leaves `body` empty.
    /// The stub's resources still pass such a request on; a
    /// [`RequestSequence`](crate::RequestSequence) never matches its params.
    pub read_error: Option<String>,
}

impl StubRequest {
    /// Reads a [`ServerRequest`] (buffering its body) into a `StubRequest`;
    /// fails if the body fails or its form fields do not parse.
    pub async fn from_server_request(request: &mut ServerRequest) -> treq::Result<Self> {
        match Self::read_whole(request).await {
            (stub, None) => Ok(stub),
            (_, Some(e)) => Err(e),
        }
    }

    /// Reads `request` into a `StubRequest` even if it cannot be read whole:
    /// the failure is then in [`read_error`](Self::read_error).
    pub(crate) async fn read(request: &mut ServerRequest) -> Self {
        let (mut stub, error) = Self::read_whole(request).await;
        stub.read_error = error.map(|e| e.to_string());
        stub
    }

    /// The request as far as it could be read, and why it could not be read
    /// whole: the query arguments stand in for params that do not parse, an
    /// empty body for one that fails.
    async fn read_whole(request: &mut ServerRequest) -> (Self, Option<treq::Error>) {
        if let Some(stub) = Self::without_body(request) {
            return (stub, None);
        }
        let (params, mut error) = match request.args().await {
            Ok(params) => (params, None),
            Err(e) => (request.query_args(), Some(e)),
        };
        // Buffered by `args` for a form; read here for any other body.
        let body = match request.body_bytes().await {
            Ok(body) => body,
            Err(e) => {
                error.get_or_insert(e);
                Bytes::new()
            }
        };
        (Self::with(request, params, body), error)
    }

    /// The `StubRequest` of a request known to have an empty body and no
    /// multipart content type (whose empty body would still be parsed, and
    /// fail), which needs no reading: its params are its query arguments.
    fn without_body(request: &ServerRequest) -> Option<Self> {
        if !request.body_is_empty() || request.is_multipart() {
            return None;
        }
        Some(Self::with(request, request.query_args(), Bytes::new()))
    }

    fn with(request: &ServerRequest, params: MultiMap, body: Bytes) -> Self {
        let mut headers = MultiMap::new();
        for (name, value) in request.headers() {
            headers
                .entry(name.as_str().to_owned())
                .or_default()
                .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
        }
        for values in headers.values_mut() {
            values.sort();
        }
        StubRequest {
            method: request.method().as_str().to_ascii_uppercase(),
            url: normalize_uri(request.uri()),
            params,
            headers,
            body,
            read_error: None,
        }
    }

    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }
}

/// Header names whose values `Debug` never prints: a stub's log or a failed
/// assertion must not show credentials (the `headers` field still has them).
const SECRET_HEADERS: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];

/// Shows headers as a map (`{:#?}` pretty-prints it), the values of
/// [`SECRET_HEADERS`] each replaced by `"Sensitive"`.
pub(crate) struct MaskedHeaders<'a>(pub(crate) &'a MultiMap);

impl fmt::Debug for MaskedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, values) in self.0 {
            if SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s)) {
                map.entry(name, &vec!["Sensitive"; values.len()]);
            } else {
                map.entry(name, values);
            }
        }
        map.finish()
    }
}

impl fmt::Debug for StubRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:?} params={:?} headers={:?} body=",
            self.method,
            self.url,
            self.params,
            MaskedHeaders(&self.headers)
        )?;
        fmt_bytes(&self.body, f)?;
        if let Some(error) = &self.read_error {
            write!(f, " read_error={error:?}")?;
        }
        Ok(())
    }
}

/// Body types accepted by [`StubResponse::body`] and response tuples.
pub trait IntoStubBody {
    /// The bytes.
    fn into_stub_body(self) -> Bytes;
}

macro_rules! stub_body {
    ($($t:ty => $e:expr),* $(,)?) => {$(
        impl IntoStubBody for $t {
            fn into_stub_body(self) -> Bytes {
                let f: fn($t) -> Bytes = $e;
                f(self)
            }
        }
    )*};
}
stub_body!(
    &str => |s| Bytes::copy_from_slice(s.as_bytes()),
    String => Bytes::from,
    &String => |s| Bytes::copy_from_slice(s.as_bytes()),
    Vec<u8> => Bytes::from,
    &[u8] => Bytes::copy_from_slice,
    Bytes => |b| b,
);

impl<const N: usize> IntoStubBody for &[u8; N] {
    fn into_stub_body(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

/// A canned response: status, headers, body, and optionally a [`Fault`].
///
/// ```
/// use treq_testing::StubResponse;
/// let r = StubResponse::new(200)
///     .header("Content-Type", "application/json")
///     .body(r#"{"status": "ok"}"#);
/// let j = StubResponse::new(201).json_value(serde_json::json!({"id": 1}));
/// let t: StubResponse = (418, [("x-teapot", "teapot!")], "I'm a teapot").into();
/// ```
///
/// A status outside 100–999 or an invalid header makes the resource serving
/// it panic; the in-memory server turns that into a 500 and reports the
/// message to the test (see [`StubTreq`](crate::StubTreq)).
#[derive(Clone)]
pub struct StubResponse {
    status: u16,
    headers: Vec<(String, Bytes)>,
    body: Bytes,
    json: bool,
    faults: Vec<Fault>,
}

impl StubResponse {
    /// A response with this status, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        StubResponse {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            json: false,
            faults: Vec::new(),
        }
    }

    /// Adds a header (repeat the name to send several values).
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((
            name.as_ref().to_owned(),
            Bytes::copy_from_slice(value.as_ref()),
        ));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl IntoStubBody) -> Self {
        self.body = body.into_stub_body();
        self
    }

    /// Sets a JSON body; `Content-Type: application/json` is added unless a
    /// Content-Type header is set.
    pub fn json_value(mut self, value: serde_json::Value) -> Self {
        self.body = Bytes::from(value.to_string());
        self.json = true;
        self
    }

    /// Serialises `value` as the JSON body (see [`json_value`](Self::json_value)).
    /// A value that cannot be serialised gives an empty JSON body `null`.
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        self.json_value(serde_json::to_value(value).unwrap_or_default())
    }

    /// Applies a fault when this response is served.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Waits this long (tokio time) before answering.
    pub fn delay(self, delay: Duration) -> Self {
        self.fault(Fault::Delay(delay))
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers, in the order they were added.
    pub fn headers(&self) -> &[(String, Bytes)] {
        &self.headers
    }

    /// The body.
    pub fn body_bytes(&self) -> &Bytes {
        &self.body
    }

    /// Builds the `http::Response`, or says what is invalid.
    pub fn try_into_http(self) -> Result<http::Response<Body>, String> {
        let status = http::StatusCode::from_u16(self.status)
            .map_err(|_| format!("invalid status code {} in StubResponse", self.status))?;
        let mut builder = http::Response::builder().status(status);
        let mut has_content_type = false;
        for (name, value) in &self.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name {name:?} in StubResponse"))?;
            let value = http::HeaderValue::from_maybe_shared(value.clone())
                .map_err(|_| format!("invalid value for header {name} in StubResponse"))?;
            has_content_type |= name == CONTENT_TYPE;
            builder = builder.header(name, value);
        }
        if self.json && !has_content_type {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        let mut response = builder
            .body(Body::from_bytes(self.body))
            .map_err(|e| e.to_string())?;
        for fault in self.faults {
            fault.attach(&mut response);
        }
        Ok(response)
    }

    /// Builds the `http::Response`, panicking with a clear message if the
    /// status or a header is invalid (inside a resource, the in-memory server
    /// turns the panic into a 500 and reports it).
    pub fn into_http(self) -> http::Response<Body> {
        match self.try_into_http() {
            Ok(r) => r,
            Err(msg) => panic!("{msg}"),
        }
    }
}

impl fmt::Debug for StubResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} headers=[", self.status)?;
        for (i, (k, v)) in self.headers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}: ")?;
            fmt_bytes(v, f)?;
        }
        f.write_str("] body=")?;
        fmt_bytes(&self.body, f)?;
        if !self.faults.is_empty() {
            write!(f, " faults={:?}", self.faults)?;
        }
        Ok(())
    }
}

impl IntoResourceResponse for StubResponse {
    fn into_resource_response(self) -> http::Response<Body> {
        self.into_http()
    }
}

impl From<u16> for StubResponse {
    fn from(status: u16) -> Self {
        StubResponse::new(status)
    }
}

impl<B: IntoStubBody> From<(u16, B)> for StubResponse {
    fn from((status, body): (u16, B)) -> Self {
        StubResponse::new(status).body(body)
    }
}

impl<H, K, V, B> From<(u16, H, B)> for StubResponse
where
    H: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<[u8]>,
    B: IntoStubBody,
{
    fn from((status, headers, body): (u16, H, B)) -> Self {
        headers
            .into_iter()
            .fold(StubResponse::new(status), |r, (k, v)| r.header(k, v))
            .body(body)
    }
}

type StubFn = dyn Fn(&StubRequest) -> StubResponse + Send + Sync;

/// A resource that calls a function with each [`StubRequest`] and answers
/// with what it returns (treq's `StringStubbingResource`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use treq_testing::{StringStubbingResource, StubTreq};
///
/// let stub = StubTreq::new(StringStubbingResource::new(|req| {
///     assert_eq!(req.method, "DELETE");
///     (418, [("x-response", "responseheader")], "response body")
/// }));
/// let resp = stub.delete("http://what/a/thing").await.unwrap();
/// assert_eq!(resp.code(), 418);
/// assert_eq!(resp.text().await.unwrap(), "response body");
/// # }
/// ```
///
/// If the function panics, the client gets a 500 and the panic is reported
/// when the [`StubTreq`](crate::StubTreq) is dropped.
#[derive(Clone)]
pub struct StringStubbingResource {
    f: Arc<StubFn>,
}

impl StringStubbingResource {
    /// Serves `f`: it gets each request and returns anything that converts
    /// into a [`StubResponse`], such as `(code, headers, body)`.
    pub fn new<F, R>(f: F) -> Self
    where
        F: Fn(&StubRequest) -> R + Send + Sync + 'static,
        R: Into<StubResponse>,
    {
        StringStubbingResource {
            f: Arc::new(move |req| f(req).into()),
        }
    }
}

impl fmt::Debug for StringStubbingResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StringStubbingResource")
    }
}

impl Resource for StringStubbingResource {
    fn call(&self, request: ServerRequest) -> ResourceFuture {
        let f = Arc::clone(&self.f);
        Box::pin(answer_stub_request(request, move |stub| f(stub)))
    }
}

/// Reads `request` (buffering its body) into a [`StubRequest`] and sends
/// what `answer` returns for it; a request that cannot be read whole is
/// answered too, its failure in [`StubRequest::read_error`]. A request
/// without a body is answered at once (the future is ready).
pub(crate) fn answer_stub_request<F>(
    request: ServerRequest,
    answer: F,
) -> impl Future<Output = http::Response<Body>> + Send + 'static
where
    F: FnOnce(&StubRequest) -> StubResponse + Send + 'static,
{
    match StubRequest::without_body(&request) {
        Some(stub) => Either::Left(std::future::ready(answer(&stub).into_http())),
        // Boxed: the future reading a body is large, and most requests
        // (those without a body) would carry its size.
        None => Either::Right(Box::pin(answer_after_reading(request, answer))),
    }
}

async fn answer_after_reading(
    mut request: ServerRequest,
    answer: impl FnOnce(&StubRequest) -> StubResponse,
) -> http::Response<Body> {
    answer(&StubRequest::read(&mut request).await).into_http()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_credentials() {
        let mut headers = MultiMap::new();
        headers.insert("authorization".into(), vec!["Basic aHVudGVyMg==".into()]);
        headers.insert("Cookie".into(), vec!["sid=s3cret".into()]);
        headers.insert("x-trace".into(), vec!["visible".into()]);
        let request = StubRequest {
            method: "GET".into(),
            url: "http://an.example/".into(),
            params: MultiMap::new(),
            headers,
            body: Bytes::new(),
            read_error: None,
        };
        let shown = format!("{request:?}");
        assert!(
            !shown.contains("aHVudGVyMg") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(
            shown.contains("Sensitive") && shown.contains("visible"),
            "{shown}"
        );
        assert_eq!(request.header("authorization"), Some("Basic aHVudGVyMg=="));
    }

    fn request(content_type: Option<&str>, body: Body) -> ServerRequest {
        let mut b = http::Request::post("http://h.test/p?b=2&a=1&b=1");
        if let Some(ct) = content_type {
            b = b.header(CONTENT_TYPE, ct);
        }
        ServerRequest::new(b.body(body).unwrap(), false)
    }

    #[tokio::test]
    async fn a_request_without_a_body_is_read_without_polling_it() {
        let mut req = request(Some("application/x-www-form-urlencoded"), Body::empty());
        let stub = StubRequest::without_body(&req).expect("nothing to read");
        assert_eq!(stub.params["b"], vec!["1", "2"]);
        assert_eq!(stub.params["a"], vec!["1"]);
        assert!(stub.body.is_empty());
        // The same as reading it.
        assert_eq!(
            StubRequest::from_server_request(&mut req).await.unwrap(),
            stub
        );
    }

    #[tokio::test]
    async fn an_empty_multipart_body_is_still_parsed_and_fails() {
        let mut req = request(Some("multipart/form-data; boundary=XX"), Body::empty());
        assert!(StubRequest::without_body(&req).is_none());
        assert!(StubRequest::from_server_request(&mut req).await.is_err());
        let mut req = request(Some("multipart/form-data; boundary=XX"), Body::empty());
        let stub = StubRequest::read(&mut req).await;
        assert!(stub.read_error.is_some(), "{stub:?}");
        assert_eq!(stub.params["a"], vec!["1"], "the query arguments");
    }

    #[tokio::test]
    async fn a_request_whose_form_does_not_parse_reaches_the_function() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let resource = StringStubbingResource::new(move |req| {
            log.lock().unwrap().push(req.clone());
            (200, "ok")
        });
        let body = Body::from("not multipart at all");
        let response = resource
            .call(request(Some("multipart/form-data; boundary=XX"), body))
            .await;
        assert_eq!(response.status(), 200, "the function answers");
        let seen = seen.lock().unwrap();
        let [stub] = &seen[..] else {
            panic!("called {} times", seen.len())
        };
        assert_eq!(stub.body, "not multipart at all", "the raw body");
        assert_eq!(stub.params["b"], vec!["1", "2"], "the query arguments");
        assert!(!stub.params.contains_key("XX"));
        assert!(stub.read_error.is_some(), "{stub:?}");
        assert!(format!("{stub:?}").contains("read_error="), "{stub:?}");
    }

    #[tokio::test]
    async fn a_body_not_known_to_be_empty_is_read() {
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("f=3"))]);
        let mut req = request(
            Some("application/x-www-form-urlencoded"),
            Body::wrap_stream(chunks),
        );
        assert!(StubRequest::without_body(&req).is_none());
        let stub = StubRequest::from_server_request(&mut req).await.unwrap();
        assert_eq!(stub.params["f"], vec!["3"]);
        assert_eq!(stub.body, "f=3");
    }

    #[tokio::test]
    async fn a_request_without_a_body_is_answered_when_the_resource_is_called() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let resource = StringStubbingResource::new(move |req| {
            log.lock().unwrap().push(req.url.clone());
            (200, "ok")
        });
        let future = resource.call(request(None, Body::empty()));
        assert_eq!(
            *seen.lock().unwrap(),
            ["http://h.test/p"],
            "before any poll"
        );
        let response = future.await;
        assert_eq!(response.status(), 200);
        // A body to read: answered once it is read.
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("x"))]);
        let future = resource.call(request(None, Body::wrap_stream(chunks)));
        assert_eq!(seen.lock().unwrap().len(), 1);
        assert_eq!(future.await.status(), 200);
        assert_eq!(seen.lock().unwrap().len(), 2);
    }
}
