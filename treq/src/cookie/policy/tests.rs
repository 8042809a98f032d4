//! The cookie policy against a bare jar state: what is stored, what is sent.

use super::*;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn header(store: &mut JarState, u: &str) -> Option<String> {
    cookie_header(store, &url(u)).map(|v| v.to_str().unwrap().to_owned())
}

#[test]
fn public_suffixes_are_known() {
    assert!(is_public_suffix("com"));
    assert!(is_public_suffix("co.uk"));
    assert!(is_public_suffix("github.io"));
    assert!(!is_public_suffix("example.com"));
    assert!(!is_public_suffix("localhost"));
}

#[test]
fn every_spelling_of_a_public_suffix_is_refused() {
    let mut store = JarState::default();
    let from = url("http://www.evil.co.uk/");
    for domain in [
        "ｃｏ.ｕｋ",
        "co。uk",
        "co．uk",
        "c\u{ad}o.uk",
        "CO.UK",
        "co.uk.",
        ".co.uk",
    ] {
        assert_eq!(
            store_set_cookie(&mut store, &format!("sid=x; Domain={domain}"), &from),
            Err(Refused::PublicSuffix),
            "{domain:?}"
        );
    }
    assert_eq!(store.stored(), 0);
    // The same spellings of the site itself are stored under its one name.
    for domain in ["ｅｖｉｌ.co.uk", "EVIL.co.uk.", ".evil．co.uk"] {
        store_set_cookie(&mut store, &format!("sid=x; Domain={domain}"), &from).unwrap();
    }
    let stored: Vec<_> = store
        .store
        .iter_any()
        .map(|c| String::from(&c.domain))
        .collect();
    assert_eq!(stored, ["evil.co.uk"]);
}

#[test]
fn a_domain_that_fails_idna_is_refused() {
    let mut store = JarState::default();
    let from = url("http://www.example.com/");
    for domain in [
        "xn--a.example.com",
        "a..example.com",
        "exa mple.com",
        "example.com..",
    ] {
        assert_eq!(
            store_set_cookie(&mut store, &format!("a=1; Domain={domain}"), &from),
            Err(Refused::BadDomain),
            "{domain:?}"
        );
    }
    // An empty Domain is ignored: host-only.
    store_set_cookie(&mut store, "a=1; Domain=", &from).unwrap();
    assert_eq!(header(&mut store, "http://sub.www.example.com/"), None);
    assert_eq!(
        header(&mut store, "http://www.example.com/").as_deref(),
        Some("a=1")
    );
}

#[test]
fn a_trailing_dot_on_the_host_does_not_change_its_cookies() {
    let mut store = JarState::default();
    store_set_cookie(&mut store, "a=1", &url("http://www.example.com./")).unwrap();
    store_set_cookie(
        &mut store,
        "b=2; Domain=example.com",
        &url("http://www.example.com./"),
    )
    .unwrap();
    assert_eq!(
        header(&mut store, "http://www.example.com/").as_deref(),
        Some("a=1; b=2")
    );
    assert_eq!(
        header(&mut store, "http://WWW.EXAMPLE.COM./").as_deref(),
        Some("a=1; b=2")
    );
    // A suffix host with a trailing dot is still the suffix itself.
    store_set_cookie(&mut store, "c=3; Domain=co.uk", &url("http://co.uk./")).unwrap();
    assert_eq!(header(&mut store, "http://x.co.uk/"), None);
}

#[test]
fn oversize_cookies_and_attributes_are_refused() {
    let mut store = JarState::default();
    let from = url("http://a.example/");
    let name = "n".repeat(96);
    let fits = format!("{name}={}", "v".repeat(4000));
    let over = format!("{name}={}", "v".repeat(4001));
    store_set_cookie(&mut store, &fits, &from).unwrap();
    assert_eq!(
        store_set_cookie(&mut store, &over, &from),
        Err(Refused::TooLarge)
    );
    let long_path = format!("p=1; Path=/{}", "x".repeat(1024));
    assert_eq!(
        store_set_cookie(&mut store, &long_path, &from),
        Err(Refused::TooLarge)
    );
    assert!(store_scoped(&mut store, &from, "big", &"v".repeat(4094))
        .unwrap_err()
        .is_builder());
    assert_eq!(store.stored(), 1);
}

#[test]
fn the_raw_header_line_is_not_kept() {
    let mut store = JarState::default();
    let junk = "x".repeat(100_000);
    store_set_cookie(
        &mut store,
        &format!("a=1; Junk={junk}; Path=/"),
        &url("http://a.example/"),
    )
    .unwrap();
    let kept = store.store.iter_any().next().unwrap();
    assert_eq!(kept.name_raw(), None, "the cookie refers to no raw line");
    let shown = (**kept).to_string();
    assert!(shown.len() < 100, "{shown}");
}

#[test]
fn domain_attribute_for_a_public_suffix_is_refused() {
    let mut store = JarState::default();
    let from = url("http://www.example.co.uk/");
    assert_eq!(
        store_set_cookie(&mut store, "a=1; Domain=co.uk", &from),
        Err(Refused::PublicSuffix)
    );
    assert_eq!(
        store_set_cookie(&mut store, "a=1; Domain=.CO.UK", &from),
        Err(Refused::PublicSuffix)
    );
    assert!(store_set_cookie(&mut store, "b=2; Domain=example.co.uk", &from).is_ok());
    assert_eq!(
        header(&mut store, "http://other.example.co.uk/").as_deref(),
        Some("b=2")
    );
    assert_eq!(header(&mut store, "http://evil.co.uk/"), None);
}

#[test]
fn a_suffix_that_is_the_host_itself_becomes_host_only() {
    let mut store = JarState::default();
    store_set_cookie(
        &mut store,
        "a=1; Domain=github.io",
        &url("https://github.io/"),
    )
    .unwrap();
    assert_eq!(
        header(&mut store, "https://github.io/").as_deref(),
        Some("a=1")
    );
    assert_eq!(header(&mut store, "https://user.github.io/"), None);
}

#[test]
fn foreign_domain_is_refused() {
    let mut store = JarState::default();
    let r = store_set_cookie(
        &mut store,
        "a=1; Domain=evil.example",
        &url("http://h.example/"),
    );
    assert_eq!(r, Err(Refused::Store));
    assert_eq!(store.stored(), 0);
}

#[test]
fn secure_cookies_only_from_and_to_https() {
    let mut store = JarState::default();
    // Not even from localhost, which cookie_store would call secure.
    assert_eq!(
        store_set_cookie(&mut store, "s=1; Secure", &url("http://localhost/")),
        Err(Refused::SecureOverHttp)
    );
    store_set_cookie(&mut store, "s=1; Secure", &url("https://localhost/")).unwrap();
    store_set_cookie(&mut store, "p=2", &url("https://localhost/")).unwrap();
    assert_eq!(
        header(&mut store, "https://localhost/").as_deref(),
        Some("s=1; p=2")
    );
    assert_eq!(
        header(&mut store, "http://localhost/").as_deref(),
        Some("p=2")
    );
}

#[test]
fn scoped_cookies_are_host_only_with_root_path() {
    let mut store = JarState::default();
    store_scoped(
        &mut store,
        &url("http://a.example:8080/deep/path"),
        "k",
        "v",
    )
    .unwrap();
    assert_eq!(
        header(&mut store, "http://a.example:9999/other").as_deref(),
        Some("k=v")
    );
    assert_eq!(
        header(&mut store, "https://a.example/").as_deref(),
        Some("k=v")
    );
    assert_eq!(header(&mut store, "http://sub.a.example/"), None);
    assert_eq!(header(&mut store, "http://b.example/"), None);

    store_scoped(&mut store, &url("https://s.example/"), "sec", "1").unwrap();
    assert_eq!(header(&mut store, "http://s.example/"), None);
    assert_eq!(
        header(&mut store, "https://s.example/").as_deref(),
        Some("sec=1")
    );
}

#[test]
fn bad_names_and_values_are_builder_errors() {
    let mut store = JarState::default();
    let u = url("http://a.example/");
    for (n, v) in [
        ("", "v"),
        ("a b", "v"),
        ("a;", "v"),
        ("a", "x\r\nInjected: 1"),
        ("a", "x;y"),
    ] {
        let err = store_scoped(&mut store, &u, n, v).unwrap_err();
        assert!(err.is_builder(), "{n:?}={v:?}");
    }
    store_scoped(&mut store, &u, "a", "").unwrap();
}

#[test]
fn longer_paths_come_first() {
    let mut store = JarState::default();
    let u = url("http://a.example/x/y");
    store_set_cookie(&mut store, "root=1; Path=/", &u).unwrap();
    store_set_cookie(&mut store, "deep=2; Path=/x", &u).unwrap();
    assert_eq!(
        header(&mut store, "http://a.example/x/z").as_deref(),
        Some("deep=2; root=1")
    );
}

#[test]
fn plain_http_cannot_replace_a_secure_cookie() {
    let mut store = JarState::default();
    store_set_cookie(
        &mut store,
        "sid=secret; Secure; HttpOnly",
        &url("https://a.example/"),
    )
    .unwrap();
    assert_eq!(
        store_set_cookie(&mut store, "sid=attacker", &url("http://a.example/")),
        Err(Refused::ShadowsSecure)
    );
    assert_eq!(
        store_set_cookie(
            &mut store,
            "sid=attacker; Path=/deeper",
            &url("http://a.example/")
        ),
        Err(Refused::ShadowsSecure),
        "a path under the Secure cookie's would shadow it"
    );
    assert_eq!(
        header(&mut store, "https://a.example/deeper").as_deref(),
        Some("sid=secret")
    );
    // https may replace it; other names, and paths outside it, are free.
    store_set_cookie(&mut store, "other=1", &url("http://a.example/")).unwrap();
    store_set_cookie(&mut store, "sid=2; Path=/", &url("http://b.example/")).unwrap();
    store_set_cookie(&mut store, "sid=new; Secure", &url("https://a.example/")).unwrap();
    assert_eq!(
        header(&mut store, "https://a.example/").as_deref(),
        Some("sid=new; other=1")
    );
}

#[test]
fn plain_http_cannot_expire_a_secure_cookie() {
    let mut store = JarState::default();
    store_set_cookie(&mut store, "sid=secret; Secure", &url("https://a.example/")).unwrap();
    for expiring in [
        "sid=; Max-Age=0",
        "sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ] {
        assert_eq!(
            store_set_cookie(&mut store, expiring, &url("http://a.example/")),
            Err(Refused::ShadowsSecure),
            "{expiring:?}"
        );
    }
    store.enforce();
    assert_eq!(
        header(&mut store, "https://a.example/").as_deref(),
        Some("sid=secret")
    );
}

#[test]
fn a_secure_cookie_is_guarded_across_its_domain_and_subdomains() {
    let mut store = JarState::default();
    // A Secure cookie for the whole site guards every host under it...
    store_set_cookie(
        &mut store,
        "site=1; Secure; Domain=example.com",
        &url("https://www.example.com/"),
    )
    .unwrap();
    assert_eq!(
        store_set_cookie(&mut store, "site=evil", &url("http://a.example.com/")),
        Err(Refused::ShadowsSecure)
    );
    // ...and a host's Secure cookie is guarded from a site-wide one.
    store_set_cookie(&mut store, "host=1; Secure", &url("https://a.example.com/")).unwrap();
    assert_eq!(
        store_set_cookie(
            &mut store,
            "host=evil; Domain=example.com",
            &url("http://b.example.com/")
        ),
        Err(Refused::ShadowsSecure)
    );
    // A sibling host's Secure cookie covers neither.
    store_set_cookie(&mut store, "host=2", &url("http://b.example.com/")).unwrap();
    assert_eq!(
        header(&mut store, "https://a.example.com/").as_deref(),
        Some("site=1; host=1")
    );
}

#[test]
fn domain_and_path_matching() {
    assert!(domain_matches("a.example.com", "example.com"));
    assert!(domain_matches("example.com", "example.com"));
    assert!(!domain_matches("badexample.com", "example.com"));
    assert!(!domain_matches("example.com", "a.example.com"));
    assert!(!domain_matches("1.2.3.4", "2.3.4"));
    assert!(path_matches("/app/x", "/app"));
    assert!(path_matches("/app/", "/app/"));
    assert!(path_matches("/app/x", "/app/"));
    assert!(path_matches("/anything", "/"));
    assert!(!path_matches("/application", "/app"));
    assert!(!path_matches("/", "/app"));
}

#[test]
fn a_secure_prefix_needs_secure_from_https() {
    let mut store = JarState::default();
    let https = url("https://www.example.com/x/");
    for refused in ["__Secure-sid=1", "__secure-sid=1; Path=/", "__SECURE-sid=1"] {
        assert_eq!(
            store_set_cookie(&mut store, refused, &https),
            Err(Refused::Prefix),
            "{refused:?}"
        );
    }
    assert_eq!(
        store_set_cookie(
            &mut store,
            "__Secure-sid=1",
            &url("http://www.example.com/")
        ),
        Err(Refused::Prefix)
    );
    // Secure from https is all it needs: a Domain and any Path are fine.
    store_set_cookie(
        &mut store,
        "__Secure-sid=1; Secure; Domain=example.com; Path=/x",
        &https,
    )
    .unwrap();
    assert_eq!(
        header(&mut store, "https://a.example.com/x/y").as_deref(),
        Some("__Secure-sid=1")
    );
    assert_eq!(store.stored(), 1);
}

#[test]
fn a_host_prefix_needs_secure_host_only_and_root_path() {
    let mut store = JarState::default();
    let https = url("https://evil.example.com/");
    for refused in [
        "__Host-sid=evil; Path=/",
        "__Host-sid=evil; Secure",
        "__Host-sid=evil; Secure; Path=/x",
        "__Host-sid=evil; Secure; Path=/; Domain=example.com",
        "__host-sid=evil; Secure; Path=/; Domain=evil.example.com",
        "__HOST-sid=evil; Path=/",
    ] {
        assert_eq!(
            store_set_cookie(&mut store, refused, &https),
            Err(Refused::Prefix),
            "{refused:?}"
        );
    }
    assert_eq!(
        store_set_cookie(&mut store, "__Host-sid=evil", &url("http://a.example/")),
        Err(Refused::Prefix)
    );
    assert_eq!(store.stored(), 0);
    // An empty Domain attribute is ignored, so the cookie is still host-only.
    store_set_cookie(&mut store, "__Host-sid=1; Secure; Path=/; Domain=", &https).unwrap();
    assert_eq!(
        header(&mut store, "https://evil.example.com/a").as_deref(),
        Some("__Host-sid=1")
    );
    assert_eq!(header(&mut store, "https://www.example.com/"), None);
}

#[test]
fn prefixed_names_given_to_a_request_need_https() {
    let mut store = JarState::default();
    for name in ["__Host-a", "__Secure-a", "__host-b", "__SECURE-b"] {
        let err = store_scoped(&mut store, &url("http://a.example/"), name, "1").unwrap_err();
        assert!(err.is_builder(), "{name}");
        assert!(err.to_string().contains("https"), "{err}");
        store_scoped(&mut store, &url("https://a.example/"), name, "1").unwrap();
    }
    assert_eq!(store.stored(), 4);
}

#[test]
fn control_characters_in_a_cookie_are_refused() {
    let mut store = JarState::default();
    let from = url("http://a.example/");
    for refused in [
        "bad=x\u{1}y",
        "bad=x\u{7f}",
        "b\u{0}ad=1",
        "bad=x\ry",
        "bad=x\ny",
    ] {
        assert_eq!(
            store_set_cookie(&mut store, refused, &from),
            Err(Refused::ControlCharacter),
            "{refused:?}"
        );
    }
    assert_eq!(store.stored(), 0);
    // A tab is allowed (RFC 6265bis), as is non-ASCII text.
    store_set_cookie(&mut store, "tab=a\tb", &from).unwrap();
    store_set_cookie(&mut store, "text=café", &from).unwrap();
    assert_eq!(store.stored(), 2);
}

#[test]
fn one_unsendable_cookie_does_not_stop_the_others_being_sent() {
    let mut store = JarState::default();
    let from = url("http://a.example/");
    store_set_cookie(&mut store, "before=1", &from).unwrap();
    // Past the policy, as a jar from an older version or another tool holds it.
    for (name, value) in [
        ("bad", "x\u{1}y"),
        ("semi", "a; injected=1"),
        ("", "nameless"),
    ] {
        let cookie = cookie::Cookie::new(name, value);
        let stored = cookie_store::Cookie::try_from_raw_cookie(&cookie, &from).unwrap();
        store.insert(stored.into_owned(), &from).unwrap();
    }
    store_set_cookie(&mut store, "after=2", &from).unwrap();
    assert_eq!(store.stored(), 5);
    assert_eq!(
        header(&mut store, "http://a.example/").as_deref(),
        Some("before=1; after=2")
    );
}
