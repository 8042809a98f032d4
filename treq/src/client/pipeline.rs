//! The one place that knows the order of the wrapper agents (treq's order,
//! outermost first): auth -> decompression -> redirects -> cookies -> read
//! timeout -> transport. Also turns a `PendingRequest` into an `http::Request`
//! and applies the deadline.

use std::sync::Arc;

use http::header::{HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use http::Method;

use super::{ClientConfig, HttpClient};
use crate::agent::{Agent, ResponseFuture};
use crate::auth::AuthAgent;
use crate::cookies::{CookieAgent, CookieJar};
use crate::decompress::{DecompressAgent, RequestLimit};
use crate::error;
use crate::redirect::{RedirectAgent, RedirectOptions};
use crate::request::headers::mark_sensitive;
use crate::request::{params, set_generated, url, Payload, PendingRequest};
use crate::response::{Response, SentRequest};
use crate::timeout::{Deadline, ReadTimeout, ReadTimeoutAgent};
use crate::Body;

/// The wrapper agents around the user's agent, built once per client.
pub(crate) type Stack<A> =
    AuthAgent<DecompressAgent<RedirectAgent<CookieAgent<ReadTimeoutAgent<RecordAgent<A>>>>>>;

pub(crate) fn build_stack<A: Agent>(
    agent: Arc<A>,
    jar: &CookieJar,
    config: &ClientConfig,
) -> Stack<A> {
    let record = RecordAgent { inner: agent };
    // Innermost, so every hop and retry the outer layers make is bounded too.
    let read_timeout = ReadTimeoutAgent::new(record);
    let redirects = RedirectAgent::new(CookieAgent::new(read_timeout, jar.clone()))
        .sensitive_headers(config.sensitive_headers.iter().cloned())
        .with_jar(jar.clone());
    let decompress = DecompressAgent::with_limit(redirects, config.max_decompressed_size);
    AuthAgent::with_netrc(decompress, config.netrc)
}

/// Innermost layer: remembers the request as it went to the transport (after
/// cookies and auth were added), for `Response::request()`.
pub(crate) struct RecordAgent<A> {
    inner: Arc<A>,
}

impl<A: Agent> Agent for RecordAgent<A> {
    fn request(&self, mut request: http::Request<Body>) -> ResponseFuture {
        // The cookie and auth layers add their headers unmarked.
        mark_sensitive(request.headers_mut(), &[]);
        let mut sent = SentRequest::new(
            request.method().clone(),
            request.uri().clone(),
            request.headers().clone(),
        );
        if let Some(url::RequestUrl(known)) = request.extensions().get::<url::RequestUrl>() {
            sent = sent.with_url(known.clone());
        }
        let fut = self.inner.request(request);
        Box::pin(async move {
            let mut response = fut.await?;
            response.extensions_mut().insert(sent);
            Ok(response)
        })
    }
}

const JSON: HeaderValue = HeaderValue::from_static("application/json; charset=UTF-8");
const FORM: HeaderValue = HeaderValue::from_static("application/x-www-form-urlencoded");

impl<A: Agent> HttpClient<A> {
    pub(crate) async fn execute(&self, req: PendingRequest) -> crate::Result<Response> {
        let url = req.url.clone();
        self.execute_inner(req).await.map_err(|e| e.or_url(&url))
    }

    async fn execute_inner(&self, mut req: PendingRequest) -> crate::Result<Response> {
        let inner = self.inner();
        if let Some(invalid) = &inner.config.invalid {
            return Err(error::builder(invalid.clone()));
        }
        if let Some(conflict) = req.given.conflict() {
            return Err(error::builder(conflict));
        }

        // URL userinfo is Basic auth unless `auth` or the request's own
        // Authorization says otherwise (a client default is less specific).
        if req.auth.is_none() && !req.headers.contains_key(AUTHORIZATION) {
            req.auth = req.url_auth.take();
        }

        // Defaults first; a request's own value for a name replaces them.
        let mut headers = inner.config.default_headers.clone();
        for name in req.headers.keys() {
            headers.remove(name);
        }
        headers.extend(std::mem::take(&mut req.headers));
        mark_sensitive(&mut headers, &inner.config.sensitive_headers);

        let body = match (req.files.take(), std::mem::take(&mut req.payload)) {
            (Some(files), _) => {
                let (content_type, body) =
                    crate::multipart::encode(req.form.take().unwrap_or_default(), files)?;
                set_generated(&mut headers, CONTENT_TYPE, content_type);
                body
            }
            (None, Payload::Json(bytes)) => {
                set_generated(&mut headers, CONTENT_TYPE, JSON);
                Body::from_bytes(bytes)
            }
            (None, Payload::Data(body)) => body
                .resolve_length()
                .await
                .map_err(|e| error::builder_with("could not read the file's length", e))?,
            (None, Payload::None) => match req.form.take() {
                Some(pairs) => {
                    set_generated(&mut headers, CONTENT_TYPE, FORM);
                    let mut encoded = String::new();
                    for (key, value) in &pairs {
                        params::push_pair(&mut encoded, key, value);
                    }
                    Body::from(encoded)
                }
                None => Body::empty(),
            },
        };
        // treq sends `Content-Length: 0` for bodiless POST/PUT/PATCH; hyper would not.
        if body.is_empty()
            && matches!(req.method, Method::POST | Method::PUT | Method::PATCH)
            && !headers.contains_key(CONTENT_LENGTH)
        {
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        if !req.persistent {
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
        }

        // treq rule 53: request cookies join the session jar before sending.
        if !req.cookies.is_empty() {
            let cookies = std::mem::take(&mut req.cookies);
            crate::cookies::merge_request_cookies(&inner.jar, &req.url, cookies)?;
        }

        let mut request = http::Request::new(body);
        *request.method_mut() = req.method;
        *request.uri_mut() = url::to_uri(&req.url)?;
        request
            .extensions_mut()
            .insert(url::RequestUrl::wire(&req.url));
        *request.headers_mut() = headers;
        request.extensions_mut().insert(RedirectOptions {
            follow: req.allow_redirects.unwrap_or(true),
            browser_like: req.browser_like_redirects.unwrap_or(false),
            max: req.max_redirects.unwrap_or(inner.config.max_redirects),
        });
        if let Some(auth) = req.auth.take() {
            request.extensions_mut().insert(auth);
        }
        // A request's own read timeout wins; zero there means none.
        let read_timeout = req
            .read_timeout
            .or(inner.config.read_timeout)
            .filter(|t| !t.is_zero());
        if let Some(limit) = read_timeout {
            request.extensions_mut().insert(ReadTimeout(limit));
        }

        // A buffered body is held whole, so its decoding stops at the body
        // limit too (in every layer), not only at the decompression limit.
        let max_body_size = req.max_body_size.unwrap_or(inner.config.max_body_size);
        if let (false, Some(limit)) = (req.unbuffered, max_body_size) {
            request.extensions_mut().insert(RequestLimit(limit));
        }

        let deadline = req
            .timeout
            .or(inner.config.timeout)
            .filter(|t| !t.is_zero())
            .map(Deadline::after);
        let future = inner.stack.request(request);
        let response = match &deadline {
            Some(deadline) => deadline.run(future).await?,
            None => future.await?,
        };
        Ok(Response::from_http(
            response,
            &req.url,
            deadline,
            req.unbuffered,
            Some(inner.jar.clone()),
        )
        .with_max_body_size(max_body_size))
    }
}
