//! Charset labels in `Content-Type`: whatever the header says, `text()`,
//! `text_with()` and `json()` return the text or a decode error. Where the
//! answer is certain it is checked: a UTF-8 label over UTF-8 bytes gives
//! those characters, a Latin-1 label (or no charset on a text type) maps each
//! byte to the code point of the same value.

use proptest::prelude::*;
use treq::HttpClient;

use crate::harness::{block_on, cases, config, response, Scripted};

const UTF8_LABELS: &[&str] = &["utf-8", "UTF-8", "utf8", "Utf-8", "unicode-1-1-utf-8"];
const LATIN1_LABELS: &[&str] = &[
    "iso-8859-1",
    "ISO-8859-1",
    "latin1",
    "latin-1",
    "l1",
    "iso_8859-1",
    "8859",
];
const OTHER_LABELS: &[&str] = &[
    "windows-1252",
    "cp1252",
    "us-ascii",
    "ascii",
    "shift_jis",
    "euc-jp",
    "iso-2022-jp",
    "gbk",
    "gb18030",
    "big5",
    "euc-kr",
    "utf-16",
    "utf-16le",
    "UTF-16BE",
    "koi8-r",
    "x-user-defined",
    "replacement",
    "hz-gb-2312",
    "csiso2022kr",
    "utf-7",
    "utf-32",
    "bogus",
    "",
    "(utf-8)",
    "utf-8,latin1",
];

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => proptest::sample::select(UTF8_LABELS).prop_map(str::to_owned),
        2 => proptest::sample::select(LATIN1_LABELS).prop_map(str::to_owned),
        3 => proptest::sample::select(OTHER_LABELS).prop_map(str::to_owned),
        1 => "[a-zA-Z0-9_.:()+-]{0,12}",
        1 => "\\PC{0,6}",
    ]
}

/// A label as the header carries it: bare, quoted, padded.
fn spelled() -> impl Strategy<Value = (String, String)> {
    (
        label(),
        proptest::sample::select(&["", "\"", "'", " ", "\"'"][..]),
    )
        .prop_map(|(l, q)| {
            let rev: String = q.chars().rev().collect();
            (l.clone(), format!("{q}{l}{rev}"))
        })
}

#[derive(Debug, Clone)]
struct ContentType {
    media: String,
    /// `(name, clean label, as written)`.
    params: Vec<(String, String, String)>,
}

fn content_type() -> impl Strategy<Value = ContentType> {
    (
        prop_oneof![
            4 => proptest::sample::select(&["text/plain", "text/html", "TEXT/HTML", "application/json", "Application/JSON", "application/xml", "application/octet-stream", "", " text/plain "][..])
                .prop_map(str::to_owned),
            1 => "[ -:<-~]{0,12}",
        ],
        proptest::collection::vec(
            (
                prop_oneof![
                    4 => proptest::sample::select(&["charset", "Charset", "CHARSET", " charset ", "charset "][..]).prop_map(str::to_owned),
                    1 => proptest::sample::select(&["boundary", "q", "format", "x"][..]).prop_map(str::to_owned),
                ],
                spelled(),
            )
                .prop_map(|(name, (clean, written))| (name, clean, written)),
            0..3,
        ),
    )
        .prop_map(|(media, params)| ContentType { media, params })
}

impl ContentType {
    fn render(&self) -> Vec<u8> {
        let mut out = self.media.clone();
        for (name, _, written) in &self.params {
            out.push_str(&format!(";{name}={written}"));
        }
        out.into_bytes()
    }

    /// The one charset this header names, when exactly one param is a charset.
    fn charset(&self) -> Option<Option<&str>> {
        let charsets: Vec<&str> = self
            .params
            .iter()
            .filter(|(n, _, _)| n.trim().eq_ignore_ascii_case("charset"))
            .map(|(_, clean, _)| clean.as_str())
            .collect();
        match charsets.len() {
            0 => Some(None),
            1 => Some(Some(charsets[0])),
            _ => None,
        }
    }

    fn is_json(&self) -> bool {
        self.media.trim().eq_ignore_ascii_case("application/json")
    }
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

#[derive(Debug, Clone)]
enum Header {
    Structured(ContentType),
    Raw(Vec<u8>),
}

fn header() -> impl Strategy<Value = Header> {
    prop_oneof![
        5 => content_type().prop_map(Header::Structured),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Header::Raw),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => "\\PC{0,40}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..64),
        1 => Just(b"{\"a\": \"\xc3\xa9\"}".to_vec()),
        1 => Just(b"\xef\xbb\xbf{\"a\": 1}".to_vec()),
    ]
}

fn decodes_or_fails_typed<T: std::fmt::Debug>(
    what: &str,
    r: &treq::Result<T>,
) -> Result<(), TestCaseError> {
    if let Err(e) = r {
        prop_assert!(
            e.is_decode(),
            "{what} failed with a {:?} error: {e}",
            e.kind()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(cases(32)))]

    #[test]
    fn charset_labels_decode_or_fail_typed(
        headers in proptest::collection::vec(header(), 0..3),
        body in body(),
        default in label(),
    ) {
        let lines: Vec<_> = headers
            .iter()
            .map(|h| {
                let v = match h {
                    Header::Structured(ct) => ct.render(),
                    Header::Raw(raw) => raw.clone(),
                };
                (b"content-type".to_vec(), v)
            })
            .collect();
        // The header that counts: the last one that is a valid header value.
        let last = headers.iter().zip(&lines).rev().find(|(_, (_, v))| http::HeaderValue::from_bytes(v).is_ok()).map(|(h, _)| h);
        let reply_body = body.clone();
        let agent = Scripted::new(move |_, _| response(200, &lines, reply_body.clone()));
        let client = HttpClient::new(agent);
        let (text, with_default, with_utf8, json) = block_on(async {
            let resp = client.get("http://example.test/").await.expect("an in-memory answer");
            (
                resp.text().await,
                resp.text_with(&default).await,
                resp.text_with("utf-8").await,
                resp.json::<serde_json::Value>().await,
            )
        });
        decodes_or_fails_typed("text()", &text)?;
        decodes_or_fails_typed("text_with()", &with_default)?;
        decodes_or_fails_typed("text_with(utf-8)", &with_utf8)?;
        decodes_or_fails_typed("json()", &json)?;

        let utf8 = String::from_utf8(body.clone()).ok();
        let charset = match last {
            None => Some(None),
            Some(Header::Structured(ct)) if !ct.is_json() => ct.charset(),
            _ => None,
        };
        match charset {
            // No charset on a non-JSON type: ISO-8859-1 for text(), the
            // default for text_with().
            Some(None) => {
                prop_assert_eq!(text.as_ref().ok(), Some(&latin1(&body)));
                if let Some(s) = &utf8 {
                    prop_assert_eq!(with_utf8.as_ref().ok(), Some(s));
                }
            }
            Some(Some(label)) if UTF8_LABELS.contains(&label) => {
                match &utf8 {
                    Some(s) => prop_assert_eq!(text.as_ref().ok(), Some(s)),
                    None => prop_assert!(text.is_err(), "invalid UTF-8 decoded as {label}"),
                }
            }
            Some(Some(label)) if LATIN1_LABELS.contains(&label) => {
                prop_assert_eq!(text.as_ref().ok(), Some(&latin1(&body)));
            }
            _ => {}
        }
    }
}
