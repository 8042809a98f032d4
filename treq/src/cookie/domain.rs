//! One canonical spelling for cookie domains and request hosts, so that the
//! public-suffix check sees exactly the name cookie_store will store and match.
//!
//! A `Domain=` attribute goes through UTS-46 (the `idna` crate, as the `url`
//! crate does for hosts and cookie_store does for domains): full-width letters,
//! `。`/`．` dots, soft hyphens and upper case all map to one ASCII name.
//! Checking the raw attribute instead let `Domain=ｃｏ.ｕｋ` pass as "not a
//! public suffix" and then be stored for `co.uk`. A leading dot is dropped
//! (RFC 6265 §5.2.3), and so is one trailing dot: curl's CVE-2022-27779 was
//! `Domain=co.uk.` slipping past the suffix check. The request host gets the
//! same trailing-dot treatment, so `www.example.com.` and `www.example.com`
//! share cookies.

use idna::AsciiDenyList;
use url::{Host, Url};

/// The canonical ASCII form of a `Domain=` attribute value, or `None` when it
/// is not a usable domain name (IDNA fails, an empty label, a character that
/// cannot appear in a URL host).
pub(crate) fn canonical_domain(attribute: &str) -> Option<String> {
    let attribute = attribute.trim();
    let ascii = idna::domain_to_ascii_cow(attribute.as_bytes(), AsciiDenyList::URL).ok()?;
    // After mapping, so that a leading `。` counts as the leading dot too.
    let ascii = ascii.strip_prefix('.').unwrap_or(&ascii);
    let ascii = ascii.strip_suffix('.').unwrap_or(ascii);
    if ascii.is_empty() || ascii.split('.').any(str::is_empty) {
        return None;
    }
    Some(ascii.to_owned())
}

/// `url` with one trailing dot removed from its host, the form every cookie
/// decision uses. The `url` crate has already applied UTS-46 to the host.
pub(crate) fn canonical_url(url: &Url) -> std::borrow::Cow<'_, Url> {
    match url.host() {
        Some(Host::Domain(host)) if host.len() > 1 && host.ends_with('.') => {
            let mut owned = url.clone();
            let trimmed = host[..host.len() - 1].to_owned();
            match owned.set_host(Some(&trimmed)) {
                Ok(()) => std::borrow::Cow::Owned(owned),
                Err(_) => std::borrow::Cow::Borrowed(url),
            }
        }
        _ => std::borrow::Cow::Borrowed(url),
    }
}

/// True when `domain` (canonical) is on the public-suffix list. Only
/// explicitly listed suffixes count, as in cookie_store: an unknown TLD like
/// `localhost` does not.
pub(crate) fn is_public_suffix(domain: &str) -> bool {
    psl::suffix(domain.as_bytes())
        .is_some_and(|s| s.is_known() && s.as_bytes() == domain.as_bytes())
}

/// The site a cookie domain belongs to (its registrable domain, "eTLD+1"),
/// which the per-domain cookie limit counts by, as browsers do. Names the list
/// does not cover (IP addresses, single labels) are their own site.
pub(crate) fn site_of(domain: &str) -> &str {
    if domain.starts_with('[') || domain.parse::<std::net::IpAddr>().is_ok() {
        return domain;
    }
    match psl::domain(domain.as_bytes()) {
        Some(site) => {
            let len = site.as_bytes().len();
            &domain[domain.len() - len..]
        }
        None => domain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_suffix_maps_to_one_ascii_name() {
        for spelling in [
            "co.uk",
            "CO.UK",
            ".co.uk",
            "co.uk.",
            ".CO.UK.",
            "ｃｏ.ｕｋ",
            "co。uk",
            "co．uk",
            "co｡uk",
            "c\u{ad}o.uk",
            " co.uk ",
            "。co.uk",
        ] {
            assert_eq!(
                canonical_domain(spelling).as_deref(),
                Some("co.uk"),
                "{spelling:?}"
            );
            assert!(is_public_suffix("co.uk"));
        }
    }

    #[test]
    fn unusable_domains_are_none() {
        for bad in [
            "", ".", "..", "a..b", "co.uk..", "a/b", "a b", "a%2eb", "xn--a", "[::1]",
        ] {
            assert_eq!(canonical_domain(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn idn_domains_become_punycode_and_their_suffixes_are_known() {
        assert_eq!(
            canonical_domain("Bücher.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        // 公司.cn is listed in Unicode; the check sees its ASCII form.
        let suffix = canonical_domain("公司.cn").unwrap();
        assert_eq!(suffix, "xn--55qx5d.cn");
        assert!(is_public_suffix(&suffix));
    }

    #[test]
    fn the_request_host_loses_its_trailing_dot() {
        let url = Url::parse("http://WWW.Example.COM./p?q").unwrap();
        assert_eq!(canonical_url(&url).as_str(), "http://www.example.com/p?q");
        let ip = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(canonical_url(&ip).as_str(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn sites_are_registrable_domains() {
        assert_eq!(site_of("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(site_of("example.com"), "example.com");
        assert_eq!(site_of("127.0.0.1"), "127.0.0.1");
        assert_eq!(site_of("[::1]"), "[::1]");
        assert_eq!(site_of("localhost"), "localhost");
    }
}
