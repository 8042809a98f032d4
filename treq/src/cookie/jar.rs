//! `CookieJar`: the session jar (shared by a client's requests) and the copies
//! `Response::cookies()` returns, with treq's name lookup and safer scoped
//! lookup, and the limits that keep a hostile server from filling it.

use std::fmt;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cookie_store::CookieStore;
use url::Url;

use super::domain::canonical_url;
use super::limits::{JarState, Limits};
use super::policy;
use crate::error::{self, ErrorKind};

/// A cookie jar (RFC 6265, via `cookie_store`, with the public-suffix list).
///
/// Cloning is cheap and clones share the same cookies: the jar of an
/// [`HttpClient`](crate::HttpClient) is updated by every response of every
/// redirect hop. [`Response::cookies`](crate::Response::cookies) and
/// [`snapshot`](Self::snapshot) give a copy that no longer changes.
///
/// ```
/// let jar = treq::CookieJar::new();
/// jar.add_cookie_str("hello=world; Path=/", "http://127.0.0.1:8080/")?;
/// assert_eq!(jar.get("hello").as_deref(), Some("world"));
/// assert_eq!(jar.get("missing"), None);
/// assert_eq!(jar.get_for("http://127.0.0.1/", "hello").as_deref(), Some("world"));
/// assert_eq!(jar.get_for("http://localhost/", "hello"), None);
/// # Ok::<(), treq::Error>(())
/// ```
///
/// Lookups return owned copies of the values: the cookies live behind a lock
/// shared by the clones and may change at any time.
///
/// # Limits
///
/// A server cannot grow the jar without bound. By default (see
/// [`CookieJar::builder`] to change them), as RFC 6265 §6.1 and browsers do:
///
/// - a cookie whose name and value exceed 4096 bytes is not stored, nor one
///   with a Domain or Path attribute over 1024 bytes;
/// - each site (registrable domain: `www.example.co.uk` and
///   `api.example.co.uk` are both `example.co.uk`) keeps at most 180 cookies,
///   and the jar at most 3000; past either limit the least recently used
///   cookies (stored or sent longest ago) are removed;
/// - expired cookies are removed;
/// - at most as many `Set-Cookie` headers of one response as a site may keep
///   are read (all the cookies of one response belong to one site); the
///   rest are ignored.
#[derive(Default)]
pub struct CookieJar {
    state: Arc<Mutex<JarState>>,
}

impl Clone for CookieJar {
    fn clone(&self) -> Self {
        CookieJar {
            state: Arc::clone(&self.state),
        }
    }
}

/// Builds a [`CookieJar`] with other limits than the defaults.
///
/// ```
/// let jar = treq::CookieJar::builder()
///     .max_cookie_size(1024)
///     .max_cookies_per_domain(50)
///     .max_cookies(500)
///     .build();
/// assert!(jar.add_cookie_str(&format!("big={}", "x".repeat(2000)), "http://a.example/").is_err());
///
/// // A client using it:
/// let client = treq::HttpClient::builder(treq::HyperAgent::new())
///     .cookie_jar(jar)
///     .build();
/// # drop(client);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CookieJarBuilder {
    limits: Limits,
}

impl CookieJarBuilder {
    /// The largest cookie stored, in bytes of name plus value (default 4096,
    /// RFC 6265's minimum and what browsers allow). Larger ones are refused.
    pub fn max_cookie_size(mut self, bytes: usize) -> Self {
        self.limits.max_cookie_size = bytes;
        self
    }

    /// How many cookies one site (registrable domain) keeps (default 180, as
    /// in Chrome and Firefox; RFC 6265 asks for at least 50). Past it, the
    /// least recently used cookies of that site are removed. It also bounds
    /// the `Set-Cookie` headers read from one response.
    pub fn max_cookies_per_domain(mut self, count: usize) -> Self {
        self.limits.max_per_domain = count;
        self
    }

    /// How many cookies the jar keeps in all (default 3000, RFC 6265's
    /// minimum). Past it, the least recently used cookies are removed.
    pub fn max_cookies(mut self, count: usize) -> Self {
        self.limits.max_cookies = count;
        self
    }

    /// An empty jar with these limits.
    pub fn build(self) -> CookieJar {
        CookieJar::from_state(JarState::new(CookieStore::default(), self.limits))
    }

    /// Reads a jar written by [`CookieJar::save_json`], keeping only what
    /// these limits allow (the least recently saved cookies go first) and
    /// leaving out the cookies the jar would not store: a `__Secure-` name
    /// that is not Secure, a `__Host-` one that is not also host-only with
    /// `Path=/`, a name or value that cannot be sent in a `Cookie` header
    /// (a control character, or a `;`).
    pub fn load_json<R: BufRead>(self, reader: R) -> crate::Result<CookieJar> {
        let mut store = cookie_store::serde::json::load_all(reader).map_err(|e| {
            crate::Error::custom(
                ErrorKind::Decode,
                "could not read the cookie jar JSON",
                Some(e),
            )
        })?;
        policy::drop_unstorable(&mut store);
        Ok(CookieJar::from_state(JarState::new(store, self.limits)))
    }
}

/// One cookie in a jar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCookie {
    name: String,
    value: String,
    domain: String,
    path: String,
    secure: bool,
    http_only: bool,
    host_only: bool,
}

impl StoredCookie {
    /// The cookie's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The cookie's value.
    pub fn value(&self) -> &str {
        &self.value
    }
    /// The domain it belongs to (the host itself for a host-only cookie), in
    /// its canonical ASCII form: lower case, IDNs as punycode, no trailing dot.
    pub fn domain(&self) -> &str {
        &self.domain
    }
    /// The path it is sent for.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// Sent over https only.
    pub fn secure(&self) -> bool {
        self.secure
    }
    /// Marked `HttpOnly`.
    pub fn http_only(&self) -> bool {
        self.http_only
    }
    /// Sent to its exact host only (no `Domain=` attribute), not to subdomains.
    pub fn host_only(&self) -> bool {
        self.host_only
    }
}

/// Why [`CookieJar::try_get`] found no single value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieLookupError {
    /// No cookie of that name.
    NotFound {
        /// The name looked up.
        name: String,
    },
    /// Several cookies share that name (treq's `CookieCollision`), in
    /// different domains or paths: look it up for one URL with
    /// [`CookieJar::get_for`].
    Collision {
        /// The name looked up.
        name: String,
        /// `domain` + `path` of each cookie with that name.
        domains: Vec<String>,
    },
}

impl fmt::Display for CookieLookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieLookupError::NotFound { name } => {
                write!(f, "no cookie named {name:?} in the jar")
            }
            CookieLookupError::Collision { name, domains } => write!(
                f,
                "several cookies named {name:?} in the jar ({}); use get_for(url, name)",
                domains.join(", ")
            ),
        }
    }
}

impl std::error::Error for CookieLookupError {}

impl CookieJar {
    /// An empty jar with the default limits.
    pub fn new() -> Self {
        CookieJar::default()
    }

    /// A builder for a jar with other limits; see [`CookieJarBuilder`].
    pub fn builder() -> CookieJarBuilder {
        CookieJarBuilder::default()
    }

    fn from_state(state: JarState) -> Self {
        CookieJar {
            state: Arc::new(Mutex::new(state)),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, JarState> {
        // A panic while holding the lock cannot leave the store half-updated in
        // a way that matters more than losing every cookie would.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn same_store(&self, other: &CookieJar) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }

    /// A copy of the cookies as they are now (and of the limits), independent
    /// of this jar.
    pub fn snapshot(&self) -> CookieJar {
        let state = self.lock().clone();
        CookieJar::from_state(state)
    }

    /// Every unexpired cookie, in the order they were stored.
    pub fn cookies(&self) -> Vec<StoredCookie> {
        self.lock()
            .store
            .iter_unexpired()
            .map(|c| StoredCookie {
                name: c.name().to_owned(),
                value: c.value().to_owned(),
                domain: String::from(&c.domain),
                path: String::from(&c.path),
                secure: c.secure() == Some(true),
                http_only: c.http_only() == Some(true),
                host_only: matches!(c.domain, cookie_store::CookieDomain::HostOnly(_)),
            })
            .collect()
    }

    /// Iterates over a copy of the unexpired cookies (name, value, domain, path, ...).
    pub fn iter(&self) -> std::vec::IntoIter<StoredCookie> {
        self.cookies().into_iter()
    }

    /// The number of unexpired cookies.
    pub fn len(&self) -> usize {
        self.lock().store.iter_unexpired().count()
    }

    /// True when the jar holds no unexpired cookie.
    pub fn is_empty(&self) -> bool {
        self.lock().store.iter_unexpired().next().is_none()
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The value of the only cookie called `name`, in any domain; `None` if
    /// there is none or several (see [`try_get`](Self::try_get)).
    ///
    /// ```
    /// let jar = treq::CookieJar::new();
    /// jar.add_cookie_str("sid=1", "http://a.example/")?;
    /// assert_eq!(jar.get("sid").as_deref(), Some("1"));
    /// jar.add_cookie_str("sid=2", "http://b.example/")?;
    /// assert_eq!(jar.get("sid"), None, "two domains hold it");
    /// assert_eq!(jar.get_for("http://b.example/", "sid").as_deref(), Some("2"));
    /// # Ok::<(), treq::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<String> {
        self.try_get(name).ok()
    }

    /// The value of the only cookie called `name`, in any domain, or why there
    /// is no single one (the error names the domain and path of each cookie
    /// that has it). Ignoring the domain is convenient but can mix up sites:
    /// [`get_for`](Self::get_for) is the safe form.
    ///
    /// ```
    /// use treq::cookie::CookieLookupError;
    ///
    /// let jar = treq::CookieJar::new();
    /// jar.add_cookie_str("sid=1; Path=/", "http://a.example/")?;
    /// jar.add_cookie_str("sid=2; Path=/admin", "http://a.example/admin")?;
    /// match jar.try_get("sid") {
    ///     Err(CookieLookupError::Collision { domains, .. }) => {
    ///         assert_eq!(domains, ["a.example/", "a.example/admin"]);
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), treq::Error>(())
    /// ```
    pub fn try_get(&self, name: &str) -> Result<String, CookieLookupError> {
        let state = self.lock();
        let mut found = state.store.iter_unexpired().filter(|c| c.name() == name);
        let Some(first) = found.next() else {
            return Err(CookieLookupError::NotFound {
                name: name.to_owned(),
            });
        };
        let rest: Vec<_> = found.collect();
        if rest.is_empty() {
            return Ok(first.value().to_owned());
        }
        let domains = std::iter::once(first)
            .chain(rest)
            .map(|c| format!("{}{}", String::from(&c.domain), String::from(&c.path)))
            .collect();
        Err(CookieLookupError::Collision {
            name: name.to_owned(),
            domains,
        })
    }

    /// The value of cookie `name` as it would be sent to `url` (most specific
    /// path first); `None` if it would not be sent there or `url` is invalid.
    pub fn get_for(&self, url: impl AsRef<str>, name: &str) -> Option<String> {
        let url = Url::parse(url.as_ref()).ok()?;
        let state = self.lock();
        policy::cookies_for(&state, &url)
            .into_iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }

    /// Stores a `Set-Cookie` header value as if received from `url` (the same
    /// checks and limits as for responses: domain, public suffix, size, Secure
    /// over https only, over http no cookie that would replace or remove a
    /// Secure one, the `__Secure-` and `__Host-` name prefixes, and no control
    /// character in the name or value).
    pub fn add_cookie_str(&self, set_cookie: &str, url: impl AsRef<str>) -> crate::Result<()> {
        let url = parse_url(url.as_ref())?;
        let mut state = self.lock();
        let stored = policy::store_set_cookie(&mut state, set_cookie, &url);
        state.enforce();
        stored.map_err(|why| {
            // The URL as shown: without credentials it may carry.
            let shown = error::without_userinfo(&url);
            crate::error::builder(format!("cookie not stored for {shown}: {}", why.describe()))
        })
    }

    /// Stores `name=value` scoped to `url`'s origin, as `cookies([(name,
    /// value)])` on a request does: host-only, `Path=/`, `Secure` iff https
    /// (so a `__Secure-` or `__Host-` name needs an https `url`).
    pub fn add_scoped(&self, url: impl AsRef<str>, name: &str, value: &str) -> crate::Result<()> {
        let url = parse_url(url.as_ref())?;
        let mut state = self.lock();
        let stored = policy::store_scoped(&mut state, &url, name, value);
        state.enforce();
        stored
    }

    /// Copies every unexpired cookie of `other` into this jar (same name,
    /// domain and path: `other`'s wins), keeping their scope, within this
    /// jar's limits.
    pub fn merge_from(&self, other: &CookieJar) {
        if self.same_store(other) {
            return;
        }
        let cookies: Vec<_> = other.lock().store.iter_unexpired().cloned().collect();
        let mut state = self.lock();
        for cookie in cookies {
            // cookie_store checks a cookie against the URL it came from: rebuild one.
            let host = String::from(&cookie.domain);
            let Ok(url) = Url::parse(&format!("https://{host}{}", String::from(&cookie.path)))
            else {
                continue;
            };
            let _ = state.insert(cookie, &canonical_url(&url));
        }
        state.enforce();
    }

    /// Writes the unexpired cookies (session cookies included) as JSON.
    pub fn save_json<W: Write>(&self, writer: &mut W) -> std::io::Result<()> {
        let live = {
            let state = self.lock();
            CookieStore::from_cookies(
                state
                    .store
                    .iter_unexpired()
                    .cloned()
                    .map(Ok::<_, std::convert::Infallible>),
                false,
            )
        };
        let live = live.unwrap_or_default();
        cookie_store::serde::json::save_incl_expired_and_nonpersistent(&live, writer)
            .map_err(std::io::Error::other)
    }

    /// Reads a jar written by [`save_json`](Self::save_json), with the default
    /// limits (see [`CookieJarBuilder::load_json`] for others).
    pub fn load_json<R: BufRead>(reader: R) -> crate::Result<CookieJar> {
        CookieJar::builder().load_json(reader)
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names and scopes only: values are often session secrets.
        let cookies: Vec<String> = self
            .cookies()
            .iter()
            .map(|c| format!("{}@{}{}", c.name, c.domain, c.path))
            .collect();
        f.debug_struct("CookieJar")
            .field("cookies", &cookies)
            .finish()
    }
}

/// Parses a URL given to the jar. The error does not repeat the URL, which
/// may carry credentials.
fn parse_url(url: &str) -> crate::Result<Url> {
    Url::parse(url).map_err(|e| error::builder_with("invalid URL given to the cookie jar", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_cookie_s_error_shows_no_credentials_of_the_url() {
        let jar = CookieJar::new();
        let err = jar
            .add_cookie_str("__Host-x=1", "http://user:secret@a.example/")
            .unwrap_err();
        assert!(err.to_string().contains("http://a.example/"), "{err}");
        assert!(!format!("{err} {err:?}").contains("secret"), "{err:?}");
    }

    #[test]
    fn get_finds_the_single_value_in_any_domain() {
        let jar = CookieJar::new();
        jar.add_cookie_str("a=1", "http://a.example/").unwrap();
        jar.add_cookie_str("empty=", "http://a.example/").unwrap();
        assert_eq!(jar.get("a").as_deref(), Some("1"));
        assert_eq!(
            jar.get("empty").as_deref(),
            Some(""),
            "an empty value is a value (treq)"
        );
        assert_eq!(jar.len(), 2);
    }

    #[test]
    fn collision_and_not_found_are_reported() {
        let jar = CookieJar::new();
        jar.add_cookie_str("a=1", "http://a.example/").unwrap();
        jar.add_cookie_str("a=2", "http://b.example/").unwrap();
        assert_eq!(jar.get("a"), None);
        match jar.try_get("a") {
            Err(CookieLookupError::Collision { name, domains }) => {
                assert_eq!(name, "a");
                assert_eq!(domains, ["a.example/", "b.example/"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            jar.try_get("zz"),
            Err(CookieLookupError::NotFound { name: "zz".into() })
        );
        assert_eq!(jar.get_for("http://b.example/x", "a").as_deref(), Some("2"));
        assert_eq!(jar.get_for("not a url", "a"), None);
    }

    #[test]
    fn a_collision_names_every_domain_and_path() {
        let jar = CookieJar::new();
        jar.add_cookie_str("a=1; Path=/", "http://a.example/")
            .unwrap();
        jar.add_cookie_str("a=2; Path=/x", "http://a.example/x")
            .unwrap();
        let err = jar.try_get("a").unwrap_err();
        assert_eq!(
            err.to_string(),
            "several cookies named \"a\" in the jar (a.example/, a.example/x); use get_for(url, name)"
        );
        assert_eq!(
            CookieJar::new().try_get("nope").unwrap_err().to_string(),
            "no cookie named \"nope\" in the jar"
        );
    }

    #[test]
    fn snapshots_do_not_follow_later_changes_but_clones_do() {
        let jar = CookieJar::new();
        jar.add_cookie_str("a=1", "http://a.example/").unwrap();
        let snap = jar.snapshot();
        let shared = jar.clone();
        jar.add_cookie_str("a=2", "http://a.example/").unwrap();
        assert_eq!(snap.get("a").as_deref(), Some("1"));
        assert_eq!(shared.get("a").as_deref(), Some("2"));
        jar.clear();
        assert!(shared.is_empty());
        assert_eq!(snap.len(), 1);
    }

    #[test]
    fn iteration_lists_scope() {
        let jar = CookieJar::new();
        jar.add_scoped("https://tx.example:4433/p", "a", "b")
            .unwrap();
        jar.add_cookie_str(
            "c=d; Domain=rx.example; Path=/x; HttpOnly",
            "http://www.rx.example/",
        )
        .unwrap();
        let all: Vec<_> = jar.iter().collect();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (
                all[0].name(),
                all[0].value(),
                all[0].domain(),
                all[0].path()
            ),
            ("a", "b", "tx.example", "/")
        );
        assert!(all[0].secure() && all[0].host_only() && !all[0].http_only());
        assert_eq!((all[1].domain(), all[1].path()), ("rx.example", "/x"));
        assert!(!all[1].host_only() && all[1].http_only() && !all[1].secure());
    }

    #[test]
    fn json_round_trip_keeps_session_cookies() {
        let jar = CookieJar::new();
        jar.add_cookie_str("session=1", "http://a.example/")
            .unwrap();
        jar.add_cookie_str("kept=2; Max-Age=3600", "http://a.example/")
            .unwrap();
        jar.add_cookie_str("gone=3; Max-Age=3600", "http://a.example/")
            .unwrap();
        jar.add_cookie_str("gone=3; Max-Age=0", "http://a.example/")
            .unwrap_or(());
        let mut out = Vec::new();
        jar.save_json(&mut out).unwrap();
        let back = CookieJar::load_json(&out[..]).unwrap();
        let mut names: Vec<_> = back.iter().map(|c| c.name().to_owned()).collect();
        names.sort();
        assert_eq!(names, ["kept", "session"]);
        assert_eq!(
            back.get_for("http://a.example/", "session").as_deref(),
            Some("1")
        );
        assert!(CookieJar::load_json(&b"{not json"[..])
            .unwrap_err()
            .is_decode());
    }

    #[test]
    fn load_json_leaves_out_prefixed_cookies_that_break_their_prefix() {
        // Cookies the jar accepts, renamed in the file to prefixed names
        // whose rules they do not meet.
        let jar = CookieJar::new();
        jar.add_cookie_str("keep=1", "http://a.example/").unwrap();
        jar.add_cookie_str("__Secure-ok=1; Secure", "https://a.example/")
            .unwrap();
        jar.add_cookie_str("__Host-ok=1; Secure; Path=/", "https://a.example/")
            .unwrap();
        jar.add_cookie_str("xxSecure-plain=1", "https://a.example/")
            .unwrap();
        jar.add_cookie_str("xxHost-path=1; Secure; Path=/x", "https://a.example/")
            .unwrap();
        jar.add_cookie_str(
            "xxHost-domain=1; Secure; Path=/; Domain=example.com",
            "https://a.example.com/",
        )
        .unwrap();
        let mut out = Vec::new();
        jar.save_json(&mut out).unwrap();
        let json = String::from_utf8(out)
            .unwrap()
            .replace("xxSecure-", "__Secure-")
            .replace("xxHost-", "__host-");
        let back = CookieJar::load_json(json.as_bytes()).unwrap();
        let mut names: Vec<_> = back.iter().map(|c| c.name().to_owned()).collect();
        names.sort();
        assert_eq!(names, ["__Host-ok", "__Secure-ok", "keep"]);
    }

    #[test]
    fn prefixed_cookies_added_to_the_jar_meet_their_prefix() {
        let jar = CookieJar::new();
        let err = jar
            .add_cookie_str("__Host-sid=1; Path=/", "http://a.example/")
            .unwrap_err();
        assert!(
            err.is_builder() && err.to_string().contains("__Host-"),
            "{err}"
        );
        assert!(jar
            .add_scoped("http://a.example/", "__Secure-sid", "1")
            .is_err());
        assert!(jar.is_empty());
        jar.add_scoped("https://a.example/", "__Host-sid", "1")
            .unwrap();
        assert_eq!(
            jar.get_for("https://a.example/", "__Host-sid").as_deref(),
            Some("1")
        );
    }

    #[test]
    fn a_cookie_with_a_control_character_is_refused_or_left_out() {
        let jar = CookieJar::new();
        jar.add_cookie_str("sid=1", "http://a.example/").unwrap();
        let err = jar
            .add_cookie_str("bad=x\u{1}y", "http://a.example/")
            .unwrap_err();
        assert!(
            err.is_builder() && err.to_string().contains("control character"),
            "{err}"
        );
        assert!(jar
            .add_scoped("http://a.example/", "bad", "x\u{1}y")
            .is_err());
        assert_eq!(jar.len(), 1);
        // One that a file holds is left out when the file is read.
        jar.add_cookie_str("bad=xPLACEy", "http://a.example/")
            .unwrap();
        let mut out = Vec::new();
        jar.save_json(&mut out).unwrap();
        let json = String::from_utf8(out).unwrap().replace("PLACE", "\\u0001");
        assert!(json.contains("x\\u0001y"), "{json}");
        let back = CookieJar::load_json(json.as_bytes()).unwrap();
        let names: Vec<_> = back.iter().map(|c| c.name().to_owned()).collect();
        assert_eq!(names, ["sid"]);
    }

    #[test]
    fn merging_keeps_scope_and_overwrites_same_name_domain_path() {
        // treq's test_cookies_pass_jar.
        let client = CookieJar::new();
        client.add_scoped("https://tx.example/", "a", "a").unwrap();
        client.add_scoped("http://tx.example/", "p", "q").unwrap();
        client.add_scoped("http://rx.example/", "b", "b").unwrap();
        let request = CookieJar::new();
        request.add_scoped("https://tx.example/", "a", "b").unwrap();
        request.add_scoped("http://rx.example/", "a", "c").unwrap();
        client.merge_from(&request);
        client.merge_from(&client.clone()); // merging a jar into itself is a no-op, not a deadlock
        assert_eq!(client.len(), 4);
        assert_eq!(
            client.get_for("https://tx.example/", "a").as_deref(),
            Some("b")
        );
        assert_eq!(
            client.get_for("http://rx.example/", "a").as_deref(),
            Some("c")
        );
        assert_eq!(
            client.get_for("http://rx.example/", "b").as_deref(),
            Some("b")
        );
        assert_eq!(client.get_for("http://tx.example/", "a"), None, "Secure");
    }

    #[test]
    fn refused_cookies_are_builder_errors() {
        let jar = CookieJar::new();
        let err = jar
            .add_cookie_str("a=1; Domain=com", "http://x.com/")
            .unwrap_err();
        assert!(err.to_string().contains("public suffix"), "{err}");
        assert!(jar
            .add_cookie_str("a=1; Domain=b.example", "http://a.example/")
            .is_err());
        assert!(jar.is_empty());
    }

    #[test]
    fn debug_hides_values() {
        let jar = CookieJar::new();
        jar.add_cookie_str("sid=hunter2", "http://a.example/")
            .unwrap();
        let s = format!("{jar:?}");
        assert!(
            s.contains("sid@a.example/") && !s.contains("hunter2"),
            "{s}"
        );
    }
}
