//! Cookies: the session [`CookieJar`] and [`CookieAgent`], which adds `Cookie`
//! from the jar on every hop (it sits inside the redirect layer) and stores each
//! hop's `Set-Cookie`.

mod agent;
mod domain;
mod jar;
mod limits;
mod policy;

use url::Url;

pub use self::agent::CookieAgent;
pub use self::jar::{CookieJar, CookieJarBuilder, CookieLookupError, StoredCookie};

/// Cookies given to one request.
#[doc(hidden)]
#[derive(Debug)]
pub struct RequestCookies {
    pub(crate) pairs: Vec<(String, String)>,
    pub(crate) jar: Option<CookieJar>,
}

/// What `RequestBuilder::cookies` accepts: name/value pairs or maps (scoped to
/// the request's origin), or a [`CookieJar`].
pub trait IntoCookies {
    #[doc(hidden)]
    fn into_request_cookies(self) -> RequestCookies;
}

impl<I, K, V> IntoCookies for I
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    fn into_request_cookies(self) -> RequestCookies {
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
    fn into_request_cookies(self) -> RequestCookies {
        RequestCookies {
            pairs: Vec::new(),
            jar: Some(self),
        }
    }
}

impl IntoCookies for &CookieJar {
    fn into_request_cookies(self) -> RequestCookies {
        self.clone().into_request_cookies()
    }
}

/// A request's cookies are merged into the session jar before it is sent (and
/// so persist for later requests of the client, as in treq). Pairs are scoped
/// to the request's origin; a jar's cookies keep their own scope.
pub(crate) fn merge_request_cookies(
    session: &CookieJar,
    url: &Url,
    cookies: Vec<RequestCookies>,
) -> crate::Result<()> {
    for given in cookies {
        if let Some(jar) = &given.jar {
            session.merge_from(jar);
        }
        if !given.pairs.is_empty() {
            let mut state = session.lock();
            let stored = given
                .pairs
                .iter()
                .try_for_each(|(name, value)| policy::store_scoped(&mut state, url, name, value));
            state.enforce();
            stored?;
        }
    }
    Ok(())
}
