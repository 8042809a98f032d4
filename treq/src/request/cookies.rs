//! What `RequestBuilder::cookies` accepts, and how a request's cookies join
//! the session jar.

use url::Url;

use super::sealed::Internal;
use crate::cookie::{merge_request_cookies, CookieJar};

/// Cookies given to one request.
#[doc(hidden)]
#[derive(Debug)]
pub struct RequestCookies {
    pairs: Vec<(String, String)>,
    jar: Option<CookieJar>,
}

/// What `RequestBuilder::cookies` accepts: name/value pairs or maps (scoped to
/// the request's origin), or a [`CookieJar`]. Sealed: implemented for those
/// shapes only.
pub trait IntoCookies {
    #[doc(hidden)]
    fn into_request_cookies(self, _: Internal) -> RequestCookies;
}

impl<I, K, V> IntoCookies for I
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    fn into_request_cookies(self, _: Internal) -> RequestCookies {
        RequestCookies {
            pairs: self
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            jar: None,
        }
    }
}

impl IntoCookies for CookieJar {
    fn into_request_cookies(self, _: Internal) -> RequestCookies {
        RequestCookies {
            pairs: Vec::new(),
            jar: Some(self),
        }
    }
}

impl IntoCookies for &CookieJar {
    fn into_request_cookies(self, token: Internal) -> RequestCookies {
        self.clone().into_request_cookies(token)
    }
}

/// Merges a request's cookies into the session jar: a jar's cookies keep
/// their own scope, pairs are scoped to the request's origin.
pub(crate) fn merge_into(
    session: &CookieJar,
    url: &Url,
    cookies: Vec<RequestCookies>,
) -> crate::Result<()> {
    for given in cookies {
        merge_request_cookies(session, url, given.jar.as_ref(), &given.pairs)?;
    }
    Ok(())
}
