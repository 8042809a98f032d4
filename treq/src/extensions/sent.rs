//! The record of a request as it went to the transport, put on its response
//! by the record layer and read by the auth layer and `Response::request()`.

use std::sync::OnceLock;

use http::{HeaderMap, Method, Uri};
use url::Url;

use super::{mark_sensitive, take_userinfo};

/// The request as it went to the transport, after every wrapper agent
/// (cookies, auth, decompression) had added its headers.
///
/// Its `Debug` prints `Authorization`, `Proxy-Authorization`, `Cookie` and
/// the client's sensitive headers as `Sensitive`; its URL has no userinfo.
#[derive(Debug, Clone)]
pub struct SentRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    url: OnceLock<Option<Url>>,
}

impl SentRequest {
    pub(crate) fn new(method: Method, uri: Uri, mut headers: HeaderMap) -> Self {
        mark_sensitive(&mut headers, &[]);
        SentRequest {
            method,
            uri,
            headers,
            url: OnceLock::new(),
        }
    }

    /// Sets the URL already known for `uri`, sparing a parse.
    pub(crate) fn set_url(&mut self, mut url: Url) {
        take_userinfo(&mut url);
        self.url = OnceLock::from(Some(url));
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The absolute URI that was requested.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The URL that was requested (`None` only for an agent that was handed a
    /// URI it could not have sent).
    pub fn url(&self) -> Option<&Url> {
        self.url
            .get_or_init(|| {
                let mut url = Url::parse(&self.uri.to_string()).ok()?;
                take_userinfo(&mut url);
                Some(url)
            })
            .as_ref()
    }

    /// The headers as sent (without those the transport adds itself, like `Host`).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}
