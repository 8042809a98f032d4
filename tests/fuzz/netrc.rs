//! `.netrc` files: a well-formed file gives exactly the credentials of the
//! first `machine` entry naming the host (case-insensitively), else, over
//! https only, of the `default` entry, else none; any other file either works the same way or
//! fails every request with a builder error naming the file, never a panic.
//!
//! The client finds the file through `$NETRC` (else `~/.netrc`). Environment
//! variables are process-wide, so every case runs inside the one test below,
//! which sets `NETRC` once to a temporary file it rewrites per case; no
//! other test of this binary reads `NETRC`.

use base64::Engine as _;
use proptest::prelude::*;
use treq::HttpClient;

use crate::harness::{block_on, cases, config, response, Scripted};

/// Machine names a file may give.
const MACHINES: &[&str] = &[
    "example.test",
    "Example.TEST",
    "other.test",
    "127.0.0.1",
    "::1",
    "[::1]",
    "xn--bcher-kva.test",
    "bücher.test",
];

/// Hosts requests go to.
const HOSTS: &[&str] = &[
    "example.test",
    "Example.TEST",
    "other.test",
    "127.0.0.1",
    "[::1]",
    "bücher.test",
];

#[derive(Debug, Clone)]
struct Entry {
    /// `None` for `default`.
    machine: Option<String>,
    login: Option<String>,
    password: Option<String>,
    account: Option<String>,
    port: Option<String>,
}

#[derive(Debug, Clone)]
enum Item {
    Entry(Entry),
    Macdef(String, Vec<String>),
    Comment(String),
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9._@-]{1,10}",
        2 => "[ -~]{0,10}",
        1 => "\\PC{0,6}",
        1 => proptest::sample::select(&["machine", "default", "login", "password", "macdef", "#", "\"", "\\", ""][..])
            .prop_map(str::to_owned),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        proptest::option::weighted(
            0.85,
            prop_oneof![4 => proptest::sample::select(MACHINES).prop_map(str::to_owned), 1 => value()],
        ),
        proptest::option::weighted(0.9, value()),
        proptest::option::weighted(0.9, value()),
        proptest::option::weighted(0.1, value()),
        proptest::option::weighted(0.1, "[0-9]{1,5}"),
    )
        .prop_map(|(machine, login, password, account, port)| Entry {
            machine,
            login,
            password,
            account,
            port,
        })
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        8 => entry().prop_map(Item::Entry),
        1 => ("[a-z]{1,6}", proptest::collection::vec(
                prop_oneof!["[ -~]{1,20}", Just("machine example.test login trap password trap".to_owned())],
                0..3,
            ))
            .prop_map(|(name, body)| Item::Macdef(name, body)),
        1 => "[ -~]{0,20}".prop_map(Item::Comment),
    ]
}

/// A value as a netrc token: bare when that reads back the same, else quoted.
fn token(value: &str, force_quotes: bool) -> String {
    let bare_ok = !value.is_empty()
        && !value.starts_with(['"', '#'])
        && !value.chars().any(char::is_whitespace);
    if bare_ok && !force_quotes {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn render(items: &[Item], seps: &[&str], quotes: u64) -> String {
    let mut out = String::new();
    let mut n = 0usize;
    let mut sep = || {
        n += 1;
        seps[n % seps.len()]
    };
    let mut q = 0u32;
    let mut quoted = |v: &str| {
        q += 1;
        token(v, quotes >> (q % 64) & 1 == 1)
    };
    for item in items {
        match item {
            Item::Entry(e) => {
                match &e.machine {
                    Some(m) => out.push_str(&format!("machine{}{}", sep(), quoted(m))),
                    None => out.push_str("default"),
                }
                for (key, v) in [
                    ("login", &e.login),
                    ("account", &e.account),
                    ("password", &e.password),
                    ("port", &e.port),
                ] {
                    if let Some(v) = v {
                        out.push_str(&format!("{}{key}{}{}", sep(), sep(), quoted(v)));
                    }
                }
                out.push('\n');
            }
            Item::Macdef(name, body) => {
                out.push_str(&format!("macdef {name}\n"));
                for line in body {
                    out.push_str(line);
                    out.push('\n');
                }
                out.push('\n');
            }
            Item::Comment(text) => out.push_str(&format!("# {text}\n")),
        }
    }
    out
}

/// What a correct client sends to `host` for these items.
fn expected(items: &[Item], scheme: &str, host: &str) -> Option<String> {
    // The host as the request names it: lower case, IDNA, brackets dropped.
    let url = url::Url::parse(&format!("http://{host}/")).unwrap();
    let host = url.host_str().unwrap();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let entries: Vec<&Entry> = items
        .iter()
        .filter_map(|i| match i {
            Item::Entry(e) => Some(e),
            _ => None,
        })
        .collect();
    let found = entries
        .iter()
        .find(|e| {
            e.machine
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(host))
        })
        // `default` is for any host, so it never goes over plain http.
        .or_else(|| {
            (scheme == "https")
                .then(|| entries.iter().find(|e| e.machine.is_none()))
                .flatten()
        })?;
    let pair = format!(
        "{}:{}",
        found.login.as_deref().unwrap_or(""),
        found.password.as_deref().unwrap_or("")
    );
    Some(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    ))
}

/// A file made of keywords, values and noise in any order.
fn raw_file() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        3 => proptest::sample::select(&["machine", "default", "login", "password", "account", "port", "macdef", "#", "\"", "\\", "\n", "\n\n", "\t", " "][..])
            .prop_map(str::to_owned),
        2 => value(),
        1 => "\\PC{0,4}",
    ];
    prop_oneof![
        3 => proptest::collection::vec(word, 0..24).prop_map(|w| w.join(" ")),
        1 => ".{0,80}",
    ]
}

/// The client as configured by a user: `.netrc(true)` with `$NETRC` set.
fn send(scheme: &str, host: &str) -> (treq::Result<u16>, Option<String>) {
    let agent = Scripted::new(|_, _| response(200, &[], ""));
    let client = HttpClient::builder(agent.clone()).netrc(true).build();
    let result = block_on(async { Ok(client.get(format!("{scheme}://{host}/")).await?.code()) });
    let auth = agent
        .seen()
        .first()
        .and_then(|s| s.headers.get("authorization"))
        .map(|v| v.to_str().unwrap().to_owned());
    (result, auth)
}

/// What proptest generates for the one netrc test.
#[derive(Debug, Clone)]
enum File {
    WellFormed {
        items: Vec<Item>,
        seps: Vec<&'static str>,
        quotes: u64,
    },
    Raw(String),
}

fn file() -> impl Strategy<Value = File> {
    prop_oneof![
        3 => (
            proptest::collection::vec(item(), 0..6),
            proptest::collection::vec(proptest::sample::select(&[" ", "\t", "\n", "  \n\t", " \r\n "][..]), 1..4),
            any::<u64>(),
        )
            .prop_map(|(items, seps, quotes)| File::WellFormed { items, seps, quotes }),
        1 => raw_file().prop_map(File::Raw),
    ]
}

#[test]
fn netrc_files_give_the_right_credentials_or_a_builder_error() {
    // A file rewritten per case: on Linux in memory (/dev/shm), as a disk
    // write costs more than the rest of the case.
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("treq-fuzz-netrc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("netrc");
    // The only place this test binary touches the environment (see the module doc).
    std::env::set_var("NETRC", &path);

    let mut runner = proptest::test_runner::TestRunner::new(config(cases(32)));
    let result = runner.run(
        &(
            file(),
            proptest::sample::select(&["http", "https"][..]),
            proptest::sample::select(HOSTS),
        ),
        |(file, scheme, host)| {
            let text = match &file {
                File::WellFormed {
                    items,
                    seps,
                    quotes,
                } => render(items, seps, *quotes),
                File::Raw(text) => text.clone(),
            };
            std::fs::write(&path, &text).unwrap();
            let (result, auth) = send(scheme, host);
            match (&file, result) {
                (File::WellFormed { items, .. }, result) => {
                    prop_assert!(
                        result.is_ok(),
                        "a well-formed file failed: {result:?}\n{text}"
                    );
                    prop_assert_eq!(
                        auth,
                        expected(items, scheme, host),
                        "for {}://{} in\n{}",
                        scheme,
                        host,
                        text
                    );
                }
                (File::Raw(_), Ok(_)) => {
                    if let Some(auth) = auth {
                        prop_assert!(auth.starts_with("Basic "), "{auth}");
                    }
                }
                (File::Raw(_), Err(e)) => {
                    prop_assert!(e.is_builder(), "not a builder error: {e:?}");
                    prop_assert!(
                        e.to_string().contains(&path.display().to_string()),
                        "the error does not name the file: {e}"
                    );
                }
            }
            Ok(())
        },
    );
    std::env::remove_var("NETRC");
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        panic!("{e}");
    }
}
