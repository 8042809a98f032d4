//! The jar's state: cookie_store's store plus the limits RFC 6265 §6.1 lets a
//! client set, applied the way browsers do:
//!
//! - a cookie whose name and value together exceed `max_cookie_size` bytes
//!   (4096 by default) is not stored;
//! - each site (registrable domain, "eTLD+1") keeps at most
//!   `max_cookies_per_domain` cookies (180 by default, as in Chrome and
//!   Firefox); past that the least recently used cookies of that site go;
//! - the jar keeps at most `max_cookies` (3000 by default); past that the
//!   least recently used cookies of any site go;
//! - expired cookies are dropped whenever the jar changes.
//!
//! cookie_store keeps no usage times and has no limits, so both are kept
//! here: a tick per cookie, bumped when it is stored or sent. Enforcing is
//! one pass over the jar per response that sets cookies; eviction sorts only
//! when a limit is exceeded.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use cookie_store::{Cookie, CookieDomain, CookieStore};

use super::domain::site_of;

/// The default of [`CookieJarBuilder::max_cookie_size`](super::CookieJarBuilder::max_cookie_size).
pub(crate) const DEFAULT_MAX_COOKIE_SIZE: usize = 4096;
/// The default of [`CookieJarBuilder::max_cookies_per_domain`](super::CookieJarBuilder::max_cookies_per_domain).
pub(crate) const DEFAULT_MAX_PER_DOMAIN: usize = 180;
/// The default of [`CookieJarBuilder::max_cookies`](super::CookieJarBuilder::max_cookies).
pub(crate) const DEFAULT_MAX_COOKIES: usize = 3000;

/// How much one jar may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) max_cookie_size: usize,
    pub(crate) max_per_domain: usize,
    pub(crate) max_cookies: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_cookie_size: DEFAULT_MAX_COOKIE_SIZE,
            max_per_domain: DEFAULT_MAX_PER_DOMAIN,
            max_cookies: DEFAULT_MAX_COOKIES,
        }
    }
}

impl Limits {
    /// True when a cookie of this name and value may be stored.
    pub(crate) fn fits(&self, name: &str, value: &str) -> bool {
        name.len() + value.len() <= self.max_cookie_size
    }
}

/// What a `CookieJar` shares between its clones.
#[derive(Debug, Clone, Default)]
pub(crate) struct JarState {
    pub(crate) store: CookieStore,
    pub(crate) limits: Limits,
    /// When each cookie was last stored or sent (a counter, not a clock), by
    /// a keyed hash of its domain, path and name: no allocation per lookup.
    /// Two cookies sharing a hash would only share a usage time.
    last_used: HashMap<u64, u64>,
    hasher: RandomState,
    tick: u64,
}

/// One cookie as `enforce` sees it.
struct Seen<'s> {
    used: u64,
    key: u64,
    domain: &'s str,
    path: &'s str,
    name: &'s str,
}

impl JarState {
    pub(crate) fn new(store: CookieStore, limits: Limits) -> Self {
        let mut state = JarState {
            store,
            limits,
            ..JarState::default()
        };
        // Loaded cookies count as used in the order they come.
        let keys: Vec<u64> = state.store.iter_any().map(|c| state.key_of(c)).collect();
        for key in keys {
            state.touch_key(key);
        }
        state.enforce();
        state
    }

    fn key_of(&self, cookie: &Cookie<'_>) -> u64 {
        let domain = cookie.domain.as_cow();
        let path: &str = &cookie.path;
        self.hasher
            .hash_one((domain.as_deref().unwrap_or(""), path, cookie.name()))
    }

    fn touch_key(&mut self, key: u64) {
        self.tick += 1;
        self.last_used.insert(key, self.tick);
    }

    /// Marks `cookie` (stored or about to be sent) as just used.
    pub(crate) fn touch(&mut self, cookie: &Cookie<'_>) {
        let key = self.key_of(cookie);
        self.touch_key(key);
    }

    /// Stores `cookie` (already checked by the policy) received from `url`,
    /// and marks it used. Call [`enforce`](Self::enforce) after a batch.
    pub(crate) fn insert(
        &mut self,
        cookie: Cookie<'static>,
        url: &url::Url,
    ) -> Result<(), cookie_store::CookieError> {
        let key = self.key_of(&cookie);
        self.store.insert(cookie, url)?;
        self.touch_key(key);
        Ok(())
    }

    pub(crate) fn clear(&mut self) {
        self.store.clear();
        self.last_used.clear();
    }

    /// Drops expired and over-size cookies, then evicts the least recently
    /// used ones until every site and the whole jar are within the limits.
    pub(crate) fn enforce(&mut self) {
        let limits = self.limits;
        let mut doomed: Vec<(String, String, String, u64)> = Vec::new();
        let mut live: Vec<Seen<'_>> = Vec::new();
        for cookie in self.store.iter_any() {
            let domain = match &cookie.domain {
                CookieDomain::HostOnly(d) | CookieDomain::Suffix(d) => d.as_str(),
                CookieDomain::NotPresent | CookieDomain::Empty => "",
            };
            let key = self.key_of(cookie);
            let seen = Seen {
                used: self.last_used.get(&key).copied().unwrap_or(0),
                key,
                domain,
                path: &cookie.path,
                name: cookie.name(),
            };
            if cookie.is_expired() || !limits.fits(cookie.name(), cookie.value()) {
                doomed.push(seen.owned());
            } else {
                live.push(seen);
            }
        }
        // Count by domain first, then by site: one suffix lookup per domain.
        let mut per_domain: HashMap<&str, usize> = HashMap::new();
        for seen in &live {
            *per_domain.entry(seen.domain).or_default() += 1;
        }
        let mut per_site: HashMap<&str, usize> = HashMap::new();
        for (domain, count) in &per_domain {
            *per_site.entry(site_of(domain)).or_default() += count;
        }
        let crowded = per_site.values().any(|&n| n > limits.max_per_domain);
        if crowded || live.len() > limits.max_cookies {
            // Oldest first, so each eviction below takes from the front.
            live.sort_unstable_by_key(|seen| seen.used);
            let mut kept = Vec::with_capacity(live.len());
            for seen in live {
                let count = per_site
                    .get_mut(site_of(seen.domain))
                    .expect("every live cookie's site was counted");
                if *count > limits.max_per_domain {
                    *count -= 1;
                    doomed.push(seen.owned());
                } else {
                    kept.push(seen);
                }
            }
            let over = kept.len().saturating_sub(limits.max_cookies);
            doomed.extend(kept.drain(..over).map(|seen| seen.owned()));
        }
        for (domain, path, name, key) in doomed {
            self.store.remove(&domain, &path, &name);
            self.last_used.remove(&key);
        }
    }

    /// The number of cookies stored, expired ones included.
    #[cfg(test)]
    pub(crate) fn stored(&self) -> usize {
        self.store.iter_any().count()
    }
}

impl Seen<'_> {
    fn owned(&self) -> (String, String, String, u64) {
        (
            self.domain.to_owned(),
            self.path.to_owned(),
            self.name.to_owned(),
            self.key,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn state(max_per_domain: usize, max_cookies: usize) -> JarState {
        JarState::new(
            CookieStore::default(),
            Limits {
                max_cookie_size: 16,
                max_per_domain,
                max_cookies,
            },
        )
    }

    fn add(state: &mut JarState, set_cookie: &str, from: &str) {
        let url = Url::parse(from).unwrap();
        let cookie = Cookie::parse(set_cookie, &url).unwrap().into_owned();
        state.insert(cookie, &url).unwrap();
        state.enforce();
    }

    fn names(state: &JarState) -> Vec<String> {
        let mut names: Vec<_> = state
            .store
            .iter_any()
            .map(|c| c.name().to_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_site_over_its_limit_loses_its_least_recently_used_cookie() {
        let mut s = state(2, 100);
        add(&mut s, "a=1", "http://x.site.example/");
        add(&mut s, "b=1; Domain=site.example", "http://y.site.example/");
        add(&mut s, "other=1", "http://other.example/");
        let a = s
            .store
            .iter_any()
            .find(|c| c.name() == "a")
            .unwrap()
            .clone();
        s.touch(&a);
        add(&mut s, "c=1", "http://z.site.example/");
        assert_eq!(names(&s), ["a", "c", "other"]);
        assert_eq!(
            s.last_used.len(),
            3,
            "usage of evicted cookies is forgotten"
        );
    }

    #[test]
    fn the_whole_jar_over_its_limit_loses_the_oldest_cookies() {
        let mut s = state(10, 3);
        for host in ["a", "b", "c", "d", "e"] {
            add(
                &mut s,
                &format!("{host}=1"),
                &format!("http://{host}.example/"),
            );
        }
        assert_eq!(names(&s), ["c", "d", "e"]);
    }

    #[test]
    fn expired_and_oversize_cookies_are_dropped() {
        let mut s = state(10, 10);
        add(&mut s, "keep=1", "http://a.example/");
        add(&mut s, "gone=1; Max-Age=3600", "http://a.example/");
        // Expiring an existing cookie leaves it in cookie_store, expired.
        let url = Url::parse("http://a.example/").unwrap();
        let expired = Cookie::parse("gone=1; Max-Age=0", &url)
            .unwrap()
            .into_owned();
        let _ = s.store.insert(expired, &url);
        assert_eq!(s.stored(), 2);
        s.enforce();
        assert_eq!(names(&s), ["keep"]);
        s.limits.max_cookie_size = 4; // "keep" + "1" is 5 bytes
        s.enforce();
        assert_eq!(s.stored(), 0);
    }
}
