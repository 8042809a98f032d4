//! Cookies: the session [`CookieJar`], and the cookie layer, which adds
//! `Cookie` from the jar on every hop (it sits inside the redirect layer) and
//! stores each hop's `Set-Cookie`.
//!
//! ```
//! let jar = treq::CookieJar::new();
//! jar.add_cookie_str("sid=1; Path=/", "http://shop.example/")?;
//! assert_eq!(jar.get_for("http://shop.example/cart", "sid").as_deref(), Some("1"));
//! # Ok::<(), treq::Error>(())
//! ```

mod agent;
mod domain;
mod jar;
mod limits;
mod policy;

use url::Url;

pub(crate) use self::agent::CookieAgent;
pub use self::jar::{CookieJar, CookieJarBuilder, CookieLookupError, StoredCookie};

/// A request's cookies are merged into the session jar before it is sent (and
/// so persist for later requests of the client, as in treq). Pairs are scoped
/// to the request's origin; a jar's cookies keep their own scope.
pub(crate) fn merge_request_cookies(
    session: &CookieJar,
    url: &Url,
    jar: Option<&CookieJar>,
    pairs: &[(String, String)],
) -> crate::Result<()> {
    if let Some(jar) = jar {
        session.merge_from(jar);
    }
    if !pairs.is_empty() {
        let mut state = session.lock();
        let stored = pairs
            .iter()
            .try_for_each(|(name, value)| policy::store_scoped(&mut state, url, name, value));
        state.enforce();
        stored?;
    }
    Ok(())
}
